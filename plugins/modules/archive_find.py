#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: archive_find
short_description: Find messages in a central server's archive, waiting for them if asked
version_added: 0.1.0
description:
  - Searches every file under O(root) (C(<root>/<client>/syslog.log) and rotated, also
    gzip-compressed, files) for each of O(strings) and reports the client directories that hold it.
  - With O(timeout), searches again until every string is found or the time is up. A string that
    is not found is reported in RV(missing), not as a failure, so the caller decides.
  - With O(after), reads only what the receiver appends to each client's current file after
    those positions (from RV(positions) of an earlier call) and reports in RV(first_seen) when
    each string appeared. Started asynchronously before the messages are sent, this measures
    delivery latency, to within a fifth of a second, without reading the whole archive.
author: auditlog.fleet contributors (@auditlog)
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing is changed.
options:
  root:
    description: The archive root.
    type: path
    required: true
  strings:
    description: Fixed strings to find (not patterns).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to keep searching until every string is found; 0 searches once.
    type: int
    default: 0
  after:
    description:
      - Positions returned as RV(positions) by an earlier call. Only what is written after them
        is searched, polling five times a second, and RV(first_seen) is filled in.
      - A client directory whose current file did not exist then is read from its start; a
        file rotated meanwhile is read to its end under its new name.
    type: dict
"""

EXAMPLES = r"""
- name: Wait up to a minute for two canaries
  auditlog.fleet.archive_find:
    root: /srv/syslog-archive
    strings:
      - auditlog-canary client1 3kd93ks0d8f7s6d5
      - auditlog-canary client2 0d9f8g7h6j5k4l3m
    timeout: 60
  register: found

- name: Note where each client's current file ends
  auditlog.fleet.archive_find:
    root: /srv/syslog-archive
    strings: []
  register: archive_start

- name: Watch for a canary in the background while it is sent
  auditlog.fleet.archive_find:
    root: /srv/syslog-archive
    strings: [auditlog-canary client1 3kd93ks0d8f7s6d5]
    after: "{{ archive_start.positions }}"
    timeout: 60
  async: 90
  poll: 0
  register: archive_watch
"""

RETURN = r"""
found:
  description: For each string, the client directories (relative to O(root)) whose files hold it.
  returned: always
  type: dict
  sample: {"auditlog-canary client1 3kd93ks0d8f7s6d5": ["10.89.0.5"]}
missing:
  description: The strings found nowhere.
  returned: always
  type: list
  elements: str
unreadable:
  description:
    - Files that could not be read to their end (a damaged compressed rotation), relative to
      O(root), each with the error; what could be read of them was searched.
  returned: without O(after)
  type: list
  elements: str
positions:
  description:
    - Where each client's current file (C(<client>/syslog.log)) ended when the module finished,
      as C([inode, size]) by path. Pass it as O(after) to a later call.
  returned: always
  type: dict
  sample: {"/srv/syslog-archive/10.89.0.5/syslog.log": [1311, 48211]}
first_seen:
  description:
    - With O(after), for each string the time (seconds since the epoch, this host's clock) by
      which it had been written to each client directory that holds it.
  returned: when O(after) is given
  type: dict
  sample: {"auditlog-canary client1 3kd93ks0d8f7s6d5": {"10.89.0.5": 1795412345.61}}
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.auditlog.fleet.plugins.module_utils import archive


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            strings=dict(type="list", elements="str", required=True),
            timeout=dict(type="int", default=0),
            after=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg="the archive root %s is not a directory" % root)
    if module.params["timeout"] < 0:
        module.fail_json(msg="timeout must not be negative")
    strings, after, timeout = module.params["strings"], module.params["after"], module.params["timeout"]
    result = dict(changed=False)
    try:
        if after is None:
            unreadable = set()
            found = archive.wait_for_strings(root, strings, timeout, unreadable=unreadable)
            result["unreadable"] = sorted(unreadable)
        else:
            positions = _positions(module, after)
            result["first_seen"] = archive.watch_for_strings(root, strings, positions, timeout)
            found = dict((string, sorted(seen)) for string, seen in result["first_seen"].items())
        result["positions"] = archive.archive_positions(root)
    except OSError as exc:
        module.fail_json(msg="cannot read the archive: %s" % exc)
    module.exit_json(found=found, missing=[s for s, where in found.items() if not where], **result)


def _positions(module, after):
    try:
        return dict((path, [int(inode), int(size)]) for path, (inode, size) in after.items())
    except (TypeError, ValueError):
        module.fail_json(msg="after must map each file to [inode, size], as positions returns it")


if __name__ == "__main__":
    main()
