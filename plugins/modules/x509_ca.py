#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: x509_ca
short_description: Create the fleet's certificate authority
version_added: 0.1.0
description:
  - Makes sure the CA private key and the self-signed CA certificate exist on the CA host.
  - The private key is generated on the CA host, written mode C(0600) from its first byte, and
    never returned.
  - The CA certificate is re-issued (with the same key) when it is missing, does not belong to the
    key, or its common name changed. An expired CA certificate is an error, not a silent re-sign.
author: auditlog.fleet contributors (@auditlog)
requirements:
  - python3-cryptography 38 or newer on the CA host
attributes:
  check_mode:
    support: full
    description: Reports what would change; writes nothing.
  diff_mode:
    support: none
    description: Key material is not shown; RV(changes) lists what changed.
options:
  private_key_path:
    description: Path of the CA private key (PEM, PKCS#8).
    type: path
    required: true
  private_key_passphrase:
    description:
      - Passphrase protecting the CA private key (keep it in Ansible Vault). An existing
        unprotected key is rewritten protected. A wrong passphrase is an error.
    type: str
  certificate_path:
    description: Path of the CA certificate (PEM).
    type: path
    required: true
  common_name:
    description: Common name of the CA.
    type: str
    default: auditlog.fleet CA
  key_type:
    description: Type of the CA key, used when the key is created.
    type: str
    choices: [ecdsa-p256, rsa-3072, rsa-4096]
    default: ecdsa-p256
  validity_days:
    description: Validity of a newly issued CA certificate, in days.
    type: int
    default: 3650
  trust_bundle_path:
    description:
      - Where to keep the trust bundle, the CA certificates every host trusts (PEM, mode C(0644)).
        Outside a CA rotation it holds the CA certificate alone; during one, both CAs
        (see M(auditlog.fleet.x509_ca_rotate)).
      - Not written when unset.
    type: path
  index_path:
    description:
      - The CA's issuance index (M(auditlog.fleet.x509_sign)). A new CA starts an empty one.
      - An existing CA whose index is missing, empty or malformed is an error (the CA would
        otherwise sign revoked hosts again and publish an empty CRL), unless O(recover_index).
      - Not checked when unset.
    type: path
  crl_path:
    description: The CA's CRL, from which O(recover_index) rebuilds the index.
    type: path
  recover_index:
    description:
      - Rebuild a missing, empty or malformed index from the CRL at O(crl_path); every serial
        it lists stays revoked. The damaged file is kept beside it. Does nothing to a sound index.
      - The CRL does not say which hosts were revoked, so revoke them again with
        M(auditlog.fleet.x509_revoke). Each host is reissued a certificate at its next run and
        its old one listed as superseded.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Create the CA
  auditlog.fleet.x509_ca:
    private_key_path: /var/lib/auditlog-ca/ca.key
    certificate_path: /var/lib/auditlog-ca/ca.pem
    trust_bundle_path: /var/lib/auditlog-ca/trust.pem
    index_path: /var/lib/auditlog-ca/index.json
    common_name: Example Corp audit logging CA

- name: Rebuild a lost CA index from the CRL
  auditlog.fleet.x509_ca:
    private_key_path: /var/lib/auditlog-ca/ca.key
    certificate_path: /var/lib/auditlog-ca/ca.pem
    index_path: /var/lib/auditlog-ca/index.json
    crl_path: /var/lib/auditlog-ca/crl.pem
    recover_index: true
"""

RETURN = r"""
certificate:
  description: The CA certificate in PEM. Empty in check mode when the CA does not exist yet.
  returned: always
  type: str
changes:
  description: What was changed (or would be, in check mode), in words.
  returned: always
  type: list
  elements: str
  sample: ["generated a new ecdsa-p256 private key", "issued a new CA certificate because there is no CA certificate"]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.auditlog.fleet.plugins.module_utils import pki, x509


def main():
    module = AnsibleModule(
        argument_spec=dict(
            private_key_path=dict(type="path", required=True, no_log=False),
            private_key_passphrase=dict(type="str", no_log=True),
            certificate_path=dict(type="path", required=True),
            common_name=dict(type="str", default="auditlog.fleet CA"),
            key_type=dict(type="str", default="ecdsa-p256", choices=list(x509.KEY_TYPES)),
            validity_days=dict(type="int", default=3650),
            trust_bundle_path=dict(type="path"),
            index_path=dict(type="path"),
            crl_path=dict(type="path"),
            recover_index=dict(type="bool", default=False),
        ),
        required_if=[("recover_index", True, ("index_path", "crl_path"))],
        supports_check_mode=True,
    )
    if not x509.HAS_CRYPTOGRAPHY and module.check_mode:
        # The role installs python3-cryptography just before; in check mode it is not there yet.
        module.warn("python3-cryptography is not installed yet, so %s is not checked in check mode" % "the CA")
        module.exit_json(changed=True, changes=[], certificate="")
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if params["validity_days"] < 1:
        module.fail_json(msg="validity_days must be at least 1, got %d" % params["validity_days"])
    try:
        result = pki.ensure_ca(
            key_path=params["private_key_path"],
            certificate_path=params["certificate_path"],
            common_name=params["common_name"],
            key_type=params["key_type"],
            validity_days=params["validity_days"],
            check_mode=module.check_mode,
            passphrase=params["private_key_passphrase"],
            trust_bundle_path=params["trust_bundle_path"],
            index_path=params["index_path"],
            crl_path=params["crl_path"],
            recover_index=params["recover_index"],
        )
    except (x509.CertificateError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    result["certificate"] = result["certificate"] or ""
    module.exit_json(**result)


if __name__ == "__main__":
    main()
