#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: archive_verify
short_description: Check a central server's archive against its sealed hash chain
version_added: 0.2.0
description:
  - Reads the chain written by M(auditlog.fleet.archive_seal) and reports every sealed file
    that was removed (and not expired by retention), truncated or modified, every break in
    the chain (an entry altered, removed, inserted or moved), a head whose signature does not
    verify with O(public_key), and a chain that no longer holds the head recorded earlier in
    O(pinned) (rebuilt and re-signed with the server's own key).
  - Lists compressed rotations that nobody sealed in RV(unsealed), which is not tampering by
    itself (a rotation sealed late, or a planted file).
  - Only reads. Whether anything found fails the play is the caller's choice (RV(intact)).
  - Run on a server, this is a consistency check and no evidence, since root there can make it
    say anything. The collection's playbooks judge the chain on the controller (filter
    P(auditlog.fleet.seal_chain_check#filter)) and the files on the backup host's copies.
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
  chain_path:
    description: The chain, as M(auditlog.fleet.archive_seal) writes it.
    type: path
    required: true
  head_path:
    description: The signed head, as M(auditlog.fleet.archive_seal) writes it.
    type: path
    required: true
  public_key:
    description: The server's sealing public key, PEM, as kept on the controller (never read from the server).
    type: str
    required: true
  pinned:
    description: A head (C({seq, hash})) recorded off the server by an earlier verification; the chain must still hold it.
    type: dict
  retention_days:
    description:
      - The server's retention. An C(expired) entry sooner than this after the file's sealing is
        reported (a deletion hidden behind a forged expiry); without it, only expiries of files
        never sealed, or expired twice, are.
    type: int
"""

EXAMPLES = r"""
- name: Check the archive
  auditlog.fleet.archive_verify:
    root: /srv/syslog-archive
    chain_path: /var/lib/auditlog-seal/chain.jsonl
    head_path: /var/lib/auditlog-seal/head.json
    public_key: "{{ lookup('ansible.builtin.file', '.auditlog-seal/' ~ inventory_hostname ~ '.pub') }}"
  register: archive_check
  failed_when: not archive_check.intact
"""

RETURN = r"""
intact:
  description: Whether nothing was removed, truncated or modified and the chain is whole and signed.
  returned: success
  type: bool
removed:
  description: Sealed files that are gone before retention would remove them, relative to O(root).
  returned: success
  type: list
  elements: str
truncated:
  description: Sealed files now shorter than when sealed.
  returned: success
  type: list
  elements: str
modified:
  description: Sealed files whose content changed.
  returned: success
  type: list
  elements: str
chain:
  description: What is wrong with the chain, its signature, or against O(pinned), in words.
  returned: success
  type: list
  elements: str
unsealed:
  description: Compressed rotations the chain does not hold.
  returned: success
  type: list
  elements: str
head:
  description: The chain's head as the server signed it, C({seq, hash}); record it to pin the chain next time.
  returned: success
  type: dict
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.auditlog.fleet.plugins.module_utils import seal


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            chain_path=dict(type="path", required=True),
            head_path=dict(type="path", required=True),
            public_key=dict(type="str", required=True),
            pinned=dict(type="dict"),
            retention_days=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    if not seal.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=seal.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if not os.path.isdir(params["root"]):
        module.fail_json(msg="the archive root %s is not a directory" % params["root"])
    pinned = params["pinned"]
    if pinned is not None and not (isinstance(pinned.get("seq"), int) and isinstance(pinned.get("hash"), str)):
        module.fail_json(msg="pinned must be a head as returned before: {seq: <int>, hash: <str>}")
    if params["retention_days"] is not None and params["retention_days"] < 1:
        module.fail_json(msg="retention_days must be at least 1, got %d" % params["retention_days"])
    try:
        report = seal.verify_archive(params["root"], params["chain_path"], params["head_path"], params["public_key"],
                                     pinned, params["retention_days"], datetime.datetime.now(datetime.timezone.utc))
    except (seal.SealError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    intact = not any(report[kind] for kind in ("removed", "truncated", "modified", "chain"))
    module.exit_json(changed=False, intact=intact, **report)


if __name__ == "__main__":
    main()
