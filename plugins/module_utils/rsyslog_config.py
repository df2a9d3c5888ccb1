# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a candidate rsyslog drop-in as part of the whole configuration before it is installed.

``rsyslogd -N1`` on the drop-in alone would miss clashes with the rest of the configuration
(a module loaded twice, a ruleset defined twice), so the check runs on a copy of the whole
configuration in which the candidate stands in for the file it would replace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import shutil


class ConfigError(Exception):
    """The candidate cannot be checked, or did not pass."""


def stage(main_config, dest, content, workdir):
    """Copy the configuration into ``workdir`` with ``content`` in place of ``dest``.

    Returns the path of the staged main configuration file.
    """
    main_config = os.path.abspath(main_config)
    dest = os.path.abspath(dest)
    with open(main_config) as handle:
        main_text = handle.read()
    staged_main = os.path.join(workdir, os.path.basename(main_config))
    if dest == main_config:
        main_text = content
    else:
        include_dir = os.path.dirname(dest)
        if include_dir + "/" not in main_text:
            raise ConfigError(
                "%s does not include files from %s, so %s would never be loaded"
                % (main_config, include_dir, os.path.basename(dest))
            )
        staged_dir = os.path.join(workdir, "include.d")
        os.mkdir(staged_dir)
        for path in glob.glob(os.path.join(include_dir, "*")):
            if os.path.isfile(path) and os.path.abspath(path) != dest:
                shutil.copy(path, staged_dir)
        with open(os.path.join(staged_dir, os.path.basename(dest)), "w") as handle:
            handle.write(content)
        main_text = main_text.replace(include_dir + "/", staged_dir + "/")
    with open(staged_main, "w") as handle:
        handle.write(main_text)
    return staged_main


def missing_paths(paths):
    """Files the configuration names that rsyslogd -N1 does not open (TLS files, spool dirs)."""
    return [path for path in paths if not os.access(path, os.R_OK)]


def check(rsyslogd, main_config, dest, content, required_paths, workdir, run):
    """Raise ConfigError with rsyslog's own words unless the candidate passes every check.

    ``run`` takes an argument list and returns ``(rc, stdout, stderr)``.
    """
    missing = missing_paths(required_paths)
    if missing:
        raise ConfigError("the configuration needs files that do not exist or cannot be read: %s"
                          % ", ".join(missing))
    staged_main = stage(main_config, dest, content, workdir)
    rc, out, err = run([rsyslogd, "-N1", "-f", staged_main])
    if rc != 0:
        report = (err or out).strip().replace(workdir + "/include.d/", os.path.dirname(dest) + "/")
        raise ConfigError("rsyslogd -N1 rejected the configuration with %s in place (exit %d): %s"
                          % (dest, rc, report))
