#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: archive_seal
short_description: Seal a central server's rotated archive files into a signed hash chain
version_added: 0.2.0
description:
  - Appends an entry to the chain O(chain_path) for every compressed rotation
    (C(<root>/<client>/syslog.log-<stamp>.gz)) not sealed yet, with its size and SHA-256; each
    entry carries the hash of the one before, so changing, removing or reordering an entry
    breaks every link after it. Signs the chain's last entry with the server's Ed25519 key
    O(key_path) into O(head_path).
  - A sealed file that is gone once it is O(retention_days) old (less a day) is recorded as
    expired; one gone sooner is not, so M(auditlog.fleet.archive_verify) reports it removed.
  - Makes the key on first use, 0600, on this host; it never leaves it. Returns the public key.
  - A chain that is already broken is evidence, so the module fails and changes nothing.
  - The server role runs the same code from logrotate after every rotation.
author: auditlog.fleet contributors (@auditlog)
attributes:
  check_mode:
    support: full
    description: Reports what it would seal and writes nothing.
  diff_mode:
    support: none
    description: The chain only grows; RV(added) lists what was added.
options:
  root:
    description: The archive root.
    type: path
    required: true
  chain_path:
    description: The chain, JSON lines; created 0600.
    type: path
    required: true
  head_path:
    description: The signed head of the chain, JSON; created 0600.
    type: path
    required: true
  key_path:
    description: The server's Ed25519 sealing key, PEM; made if missing, 0600.
    type: path
    required: true
  retention_days:
    description: Days after which logrotate removes a rotation (the server role's C(syslog_server_archive_retention_days)).
    type: int
    required: true
  publish_dir:
    description:
      - Also keep copies of the chain and the head in this directory (made 0700, files 0600), so
        that a copy of the archive taken from O(root) carries them (the C(syslog_offsite) role's
        backup host reads C(<root>/.seal)). They are rewritten whenever they differ.
    type: path
"""

EXAMPLES = r"""
- name: Seal what logrotate has rotated so far
  auditlog.fleet.archive_seal:
    root: /srv/syslog-archive
    chain_path: /var/lib/auditlog-seal/chain.jsonl
    head_path: /var/lib/auditlog-seal/head.json
    key_path: /var/lib/auditlog-seal/seal.key
    retention_days: 90
    publish_dir: /srv/syslog-archive/.seal
  register: seal
"""

RETURN = r"""
public_key:
  description: The sealing key's public half, PEM, for the controller to keep.
  returned: success
  type: str
head:
  description: The chain's signed head, C({seq, hash, signature}).
  returned: success
  type: dict
  sample: {"seq": 12, "hash": "5f0c...", "signature": "MEUCIQ..."}
added:
  description: The entries added, C(event) C(sealed) or C(expired).
  returned: success
  type: list
  elements: dict
changes:
  description: What was done, in words.
  returned: success
  type: list
  elements: str
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
            key_path=dict(type="path", required=True, no_log=False),
            retention_days=dict(type="int", required=True),
            publish_dir=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    if not seal.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=seal.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if not os.path.isdir(params["root"]):
        module.fail_json(msg="the archive root %s is not a directory" % params["root"])
    if params["retention_days"] < 1:
        module.fail_json(msg="retention_days must be at least 1")
    try:
        result = seal.seal_archive(params["root"], params["chain_path"], params["head_path"], params["key_path"],
                                   params["retention_days"], datetime.datetime.now(datetime.timezone.utc),
                                   module.check_mode, params["publish_dir"])
    except (seal.SealError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
