#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rsyslog_config
short_description: Install an rsyslog configuration file only if the whole configuration still passes
version_added: 0.1.0
description:
  - Checks the candidate content as part of the complete rsyslog configuration (the main file and
    every file it includes, with the candidate in place of O(dest)) with C(rsyslogd -N1), and
    checks that the files in O(required_paths) exist, which C(rsyslogd -N1) does not.
  - Only then replaces O(dest) atomically. When a check fails the file in place, and so the
    running configuration, stays as it was and the task fails with rsyslog's message.
author: auditlog.fleet contributors (@auditlog)
requirements:
  - rsyslog on the host
attributes:
  check_mode:
    support: full
    description: The candidate is checked; nothing is written.
  diff_mode:
    support: full
    description: Shows the change to O(dest).
options:
  dest:
    description: The configuration file to install, usually a drop-in under C(/etc/rsyslog.d/).
    type: path
    required: true
  content:
    description: The complete new content of O(dest).
    type: str
    required: true
  mode:
    description: Mode of O(dest).
    type: raw
    default: "0644"
  main_config:
    description: rsyslog's main configuration file, which must include O(dest)'s directory.
    type: path
    default: /etc/rsyslog.conf
  required_paths:
    description: Files and directories the configuration uses that must exist and be readable
      (certificates, keys, queue spool directories).
    type: list
    elements: path
    default: []
notes:
  - Restart rsyslog from a handler when the task reports a change.
"""

EXAMPLES = r"""
- name: Install the forwarding rules
  auditlog.fleet.rsyslog_config:
    dest: /etc/rsyslog.d/50-auditlog-client.conf
    content: "{{ lookup('ansible.builtin.template', 'client.conf.j2') }}"
    required_paths:
      - /etc/auditlog/tls/ca.pem
      - /var/spool/rsyslog/auditlog
  notify: Restart rsyslog
"""

RETURN = r"""
dest:
  description: The file that was checked and, if it changed, installed.
  returned: always
  type: str
"""

import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.auditlog.fleet.plugins.module_utils import files, rsyslog_config


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            content=dict(type="str", required=True),
            mode=dict(type="raw", default="0644"),
            main_config=dict(type="path", default="/etc/rsyslog.conf"),
            required_paths=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    dest = params["dest"]
    try:
        mode = files.parse_mode(params["mode"])
    except ValueError as exc:
        module.fail_json(msg="mode: %s" % exc)
    content = params["content"]
    if not content.endswith("\n"):
        content += "\n"

    current = files.read_or_none(dest)
    current_text = current.decode("utf-8", "replace") if current is not None else None
    content_changed = current_text != content
    mode_changed = current is not None and files.mode_and_group_differ(dest, mode)
    result = dict(changed=content_changed or mode_changed, dest=dest)
    if module._diff and content_changed:
        result["diff"] = dict(before=current_text or "", after=content, before_header=dest, after_header=dest)

    if content_changed:
        rsyslogd = module.get_bin_path("rsyslogd")
        missing = rsyslog_config.missing_paths(params["required_paths"])
        if module.check_mode and (rsyslogd is None or missing):
            # Earlier tasks of a real run install rsyslog and create these files.
            module.warn("check mode: %s is not checked with rsyslogd -N1 because %s" % (
                dest, "rsyslog is not installed yet" if rsyslogd is None else "%s do not exist yet" % ", ".join(missing)))
            module.exit_json(**result)
        if rsyslogd is None:
            module.fail_json(msg="rsyslogd is not installed: install the rsyslog package first", **result)
        workdir = tempfile.mkdtemp(prefix="auditlog-rsyslog-check.")
        try:
            rsyslog_config.check(
                rsyslogd, params["main_config"], dest, content, params["required_paths"], workdir,
                run=module.run_command,
            )
        except (rsyslog_config.ConfigError, OSError) as exc:
            module.fail_json(msg=str(exc), **result)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)
    if content_changed:
        files.write_atomic(dest, content, mode)
    else:
        files.fix_mode_and_group(dest, mode)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
