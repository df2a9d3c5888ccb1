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
import re
import shutil


class ConfigError(Exception):
    """The candidate cannot be checked, or did not pass."""


def stage(main_config, dest, content, workdir):
    """Copy the configuration into ``workdir`` with ``content`` in place of ``dest``.

    Returns the path of the staged main configuration file.
    """
    main_config = os.path.abspath(main_config)
    dest = os.path.abspath(dest)
    staged_main = os.path.join(workdir, os.path.basename(main_config))
    if dest == main_config:
        main_text = content
    else:
        with open(main_config) as handle:
            main_text = handle.read()
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


_OBJECT_START = re.compile(r"\b(input|action)\s*\(", re.IGNORECASE)
_NAME_AUTHENTICATION = re.compile(
    r"\b(streamDriver\.?authMode\s*=\s*\"x509/name\"|tls\.authMode\s*=\s*\"name\")", re.IGNORECASE)
_PEERS = re.compile(r"\b(permittedPeers?|tls\.permittedPeer|streamDriverPermittedPeers)\s*=\s*[\"\[]", re.IGNORECASE)


def _without_comments(text):
    """The text with every # comment blanked out (a # inside a quoted string is kept)."""
    kept = []
    quote = None
    in_comment = False
    for char in text:
        if in_comment:
            if char == "\n":
                in_comment = False
                kept.append(char)
            continue
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            in_comment = True
            continue
        kept.append(char)
    return "".join(kept)


def _objects(text):
    """The parameter text of every input(...) and action(...) statement, with its line number."""
    for match in _OBJECT_START.finditer(text):
        depth, quote, position = 1, None, match.end()
        while position < len(text) and depth:
            char = text[position]
            if quote:
                quote = None if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            position += 1
        yield text.count("\n", 0, match.start()) + 1, text[match.end():position - 1]


def unchecked_names(content):
    """Line numbers of inputs and actions that authenticate by name but permit no peer.

    rsyslogd -N1 accepts them; the running rsyslog then refuses every peer, or, for some
    drivers, checks no name at all.
    """
    text = _without_comments(content)
    return [line for line, parameters in _objects(text)
            if _NAME_AUTHENTICATION.search(parameters) and not _PEERS.search(parameters)]


def check(rsyslogd, main_config, dest, content, required_paths, workdir, run):
    """Raise ConfigError with rsyslog's own words unless the candidate passes every check.

    ``run`` takes an argument list and returns ``(rc, stdout, stderr)``.
    """
    missing = missing_paths(required_paths)
    if missing:
        raise ConfigError("the configuration needs files that do not exist or cannot be read: %s"
                          % ", ".join(missing))
    unchecked = unchecked_names(content)
    if unchecked:
        raise ConfigError("%s authenticates peers by name but permits no peer (line %s): set the permitted peers"
                          % (dest, ", ".join(str(line) for line in unchecked)))
    staged_main = stage(main_config, dest, content, workdir)
    rc, out, err = run([rsyslogd, "-N1", "-f", staged_main])
    if rc != 0:
        report = (err or out).strip().replace(staged_main, os.path.abspath(main_config))
        report = report.replace(workdir + "/include.d/", os.path.dirname(os.path.abspath(dest)) + "/")
        raise ConfigError("rsyslogd -N1 rejected the configuration with %s in place (exit %d): %s"
                          % (dest, rc, report))
