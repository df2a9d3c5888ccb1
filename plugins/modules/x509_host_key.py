#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: x509_host_key
short_description: Keep a host's private key on the host and build its certificate request
version_added: 0.1.0
description:
  - Generates the host's private key on the host if it does not exist (written with its final
    mode from the first byte) and keeps it across runs.
  - Returns a certificate signing request for O(names) and the host's current certificate, both
    public, for M(auditlog.fleet.x509_sign) to decide on and sign. The private key is never
    returned.
author: auditlog.fleet contributors (@auditlog)
requirements:
  - python3-cryptography 38 or newer on the host
attributes:
  check_mode:
    support: full
    description: A missing key is reported but not made, and then no request is returned.
  diff_mode:
    support: none
    description: Key material is not shown; RV(changes) lists what changed.
options:
  private_key_path:
    description: Path of the host's private key.
    type: path
    required: true
  private_key_mode:
    description: Mode of the private key file. Use C(0640) with O(private_key_group) when a daemon
      that runs as another user must read it.
    type: raw
    default: "0600"
  private_key_group:
    description: Group owning the private key file; unchanged when omitted.
    type: str
  key_type:
    description: Type of a newly generated key. An existing key of another type is an error.
    type: str
    choices: [ecdsa-p256, rsa-3072, rsa-4096]
    default: ecdsa-p256
  names:
    description:
      - Names the certificate is for, LDH DNS names (no wildcard, no trailing dot) or IP
        addresses; anything else is an error before a key is made. The first is also the subject
        common name.
    type: list
    elements: str
    required: true
  certificate_path:
    description: Path where the host keeps its certificate; read to return the current one.
    type: path
    required: true
  rotate:
    description:
      - Replace the private key with a new one even though it is fine. The CA then reissues the
        certificate and supersedes the old one. Changes on every run while true, so set it for
        one run only.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Make sure the host has a key and build its request
  auditlog.fleet.x509_host_key:
    private_key_path: /etc/auditlog/tls/host.key
    certificate_path: /etc/auditlog/tls/host.pem
    names:
      - "{{ inventory_hostname }}"
      - "{{ ansible_facts['fqdn'] }}"
  register: host_request
"""

RETURN = r"""
csr:
  description: The certificate signing request in PEM. Empty in check mode when the key does
    not exist yet.
  returned: always
  type: str
certificate:
  description: The certificate currently at O(certificate_path), empty if there is none.
  returned: always
  type: str
changes:
  description: What was changed (or would be, in check mode), in words.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.auditlog.fleet.plugins.module_utils import files, pki, x509


def parse_mode(module, value):
    try:
        mode = files.parse_mode(value)
    except ValueError as exc:
        module.fail_json(msg="private_key_mode: %s" % exc)
    if mode & 0o007:
        module.fail_json(msg="private_key_mode %04o would let every user read the private key" % mode)
    return mode


def main():
    module = AnsibleModule(
        argument_spec=dict(
            private_key_path=dict(type="path", required=True, no_log=False),
            private_key_mode=dict(type="raw", default="0600", no_log=False),
            private_key_group=dict(type="str", no_log=False),
            key_type=dict(type="str", default="ecdsa-p256", choices=list(x509.KEY_TYPES)),
            names=dict(type="list", elements="str", required=True),
            certificate_path=dict(type="path", required=True),
            rotate=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    if not x509.HAS_CRYPTOGRAPHY and module.check_mode:
        # The role installs python3-cryptography just before; in check mode it is not there yet.
        module.warn("python3-cryptography is not installed yet, so %s is not checked in check mode" % "the host key")
        module.exit_json(changed=True, changes=[], certificate="", csr="")
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    try:
        result = pki.ensure_host_key(
            key_path=params["private_key_path"],
            key_type=params["key_type"],
            key_mode=parse_mode(module, params["private_key_mode"]),
            key_group=params["private_key_group"],
            names=params["names"],
            certificate_path=params["certificate_path"],
            check_mode=module.check_mode,
            rotate=params["rotate"],
        )
    except (x509.CertificateError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    result["csr"] = result["csr"] or ""
    result["certificate"] = result["certificate"] or ""
    module.exit_json(**result)


if __name__ == "__main__":
    main()
