#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: archive_search
short_description: Find messages in a central server's archive by pattern, time range and client
version_added: 0.2.0
description:
  - Reads every client's C(syslog.log) and rotated, compressed files under O(root) and returns
    the lines that match O(pattern) and whose timestamp (the client's, RFC 5424) lies within
    [O(since), O(before)). Rotated files older than O(since) are not read.
  - Reads only; changes nothing.
author: auditlog.fleet contributors (@auditlog)
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  root:
    description: The archive root, one directory per client.
    type: path
    default: /srv/syslog-archive
  pattern:
    description: Python regular expression a line must match anywhere. Empty matches every line.
    type: str
    default: ""
  since:
    description: Only messages at or after this RFC 3339 time (C(2026-11-23T03:00:00+00:00); no zone means UTC).
    type: str
  before:
    description: Only messages before this RFC 3339 time.
    type: str
  clients:
    description: Only these client directories (addresses, or names with C(syslog_server_archive_key=hostname)).
    type: list
    elements: str
    default: []
  limit:
    description: Return at most this many lines; RV(truncated) says when there were more.
    type: int
    default: 1000
"""

EXAMPLES = r"""
- name: Failed sudo attempts of the last day
  auditlog.fleet.archive_search:
    pattern: "sudo: .*authentication failure"
    since: "{{ '%Y-%m-%dT%H:%M:%S+00:00' | strftime(now(utc=true).timestamp() - 86400) }}"
  register: found
"""

RETURN = r"""
messages:
  description: The matching lines, oldest file first per client.
  returned: always
  type: list
  elements: dict
  contains:
    client:
      description: The client directory the line is in.
      type: str
    time:
      description: The line's timestamp, RFC 3339, or null when it has none.
      type: str
    line:
      description: The archived line.
      type: str
truncated:
  description: Whether more lines matched than O(limit).
  returned: always
  type: bool
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.auditlog.fleet.plugins.module_utils import search


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/srv/syslog-archive"),
            pattern=dict(type="str", default=""),
            since=dict(type="str"),
            before=dict(type="str"),
            clients=dict(type="list", elements="str", default=[]),
            limit=dict(type="int", default=1000),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not os.path.isdir(params["root"]):
        module.fail_json(msg="the archive root %s is not a directory" % params["root"])
    if params["limit"] < 1:
        module.fail_json(msg="limit must be at least 1")
    try:
        since = search.parse_time(params["since"]) if params["since"] else None
        before = search.parse_time(params["before"]) if params["before"] else None
        messages, truncated = search.search(params["root"], params["pattern"] or None, since, before,
                                            params["clients"], params["limit"])
    except search.SearchError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="cannot read the archive: %s" % exc)
    module.exit_json(changed=False, messages=messages, truncated=truncated)


if __name__ == "__main__":
    main()
