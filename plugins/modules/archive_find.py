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
        ),
        supports_check_mode=True,
    )
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg="the archive root %s is not a directory" % root)
    if module.params["timeout"] < 0:
        module.fail_json(msg="timeout must not be negative")
    try:
        found = archive.wait_for_strings(root, module.params["strings"], module.params["timeout"])
    except OSError as exc:
        module.fail_json(msg="cannot read the archive: %s" % exc)
    module.exit_json(changed=False, found=found, missing=[s for s, where in found.items() if not where])


if __name__ == "__main__":
    main()
