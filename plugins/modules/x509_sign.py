#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: x509_sign
short_description: Sign a batch of host certificate requests with the fleet's CA
version_added: 0.1.0
description:
  - Runs on the CA host. For every request decides whether the host's current certificate can
    stay and signs a new one only when needed, so a re-run reports no change.
  - A host gets a new certificate when it has none, when its current one comes from another CA,
    names another key or other names or another usage, or expires within O(renew_before_days).
  - All requests of a play are signed in one call, not one round trip per host.
author: auditlog.fleet contributors (@auditlog)
requirements:
  - python3-cryptography 38 or newer on the CA host
attributes:
  check_mode:
    support: full
    description: Signing writes nothing on the CA host, so it signs in check mode too; the
      hosts' own file tasks then decide what they would change.
  diff_mode:
    support: none
    description: RV(reasons) says which host gets a new certificate and why.
options:
  ca_private_key_path:
    description: Path of the CA private key on the CA host.
    type: path
    required: true
  ca_certificate_path:
    description: Path of the CA certificate on the CA host.
    type: path
    required: true
  requests:
    description: The hosts' requests.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The host's name, the key of RV(certificates).
        type: str
        required: true
      csr:
        description: The host's certificate signing request in PEM.
        type: str
        required: true
      certificate:
        description: The host's current certificate in PEM, if it has one.
        type: str
      usage:
        description: What the certificate is for, which sets its extended key usage.
        type: str
        choices: [server, client]
        required: true
  validity_days:
    description: Validity of a new host certificate, in days (never beyond the CA's own).
    type: int
    default: 365
  renew_before_days:
    description: Reissue a certificate that expires within this many days.
    type: int
    default: 30
"""

EXAMPLES = r"""
- name: Sign every request of the play on the CA host
  auditlog.fleet.x509_sign:
    ca_private_key_path: /var/lib/auditlog-ca/ca.key
    ca_certificate_path: /var/lib/auditlog-ca/ca.pem
    requests:
      - name: client1.example.org
        csr: "{{ client1_request.csr }}"
        certificate: "{{ client1_request.certificate }}"
        usage: client
  delegate_to: ca.example.org
  run_once: true
  register: signed
"""

RETURN = r"""
certificates:
  description: The certificate in PEM every requesting host should have, by name; unchanged
    certificates are returned as they were.
  returned: always
  type: dict
reasons:
  description: Why each host that got a new certificate needed one, by name.
  returned: always
  type: dict
  sample: {"client1.example.org": "the host has no certificate"}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.auditlog.fleet.plugins.module_utils import files, x509


def load_ca(module):
    key_path = module.params["ca_private_key_path"]
    cert_path = module.params["ca_certificate_path"]
    key_pem = files.read_or_none(key_path)
    cert_pem = files.read_or_none(cert_path)
    if key_pem is None or cert_pem is None:
        module.fail_json(msg="the CA is not set up on this host: %s or %s is missing; run the syslog_ca role here first"
                         % (key_path, cert_path))
    key = x509.load_private_key(key_pem, key_path)
    cert = x509.load_certificate(cert_pem, cert_path)
    if not x509.same_public_key(key.public_key(), cert.public_key()):
        module.fail_json(msg="%s does not belong to the CA key %s" % (cert_path, key_path))
    return cert, key


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ca_private_key_path=dict(type="path", required=True, no_log=False),
            ca_certificate_path=dict(type="path", required=True),
            requests=dict(
                type="list", elements="dict", required=True,
                options=dict(
                    name=dict(type="str", required=True),
                    csr=dict(type="str", required=True),
                    certificate=dict(type="str"),
                    usage=dict(type="str", required=True, choices=["server", "client"]),
                ),
            ),
            validity_days=dict(type="int", default=365),
            renew_before_days=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if not 0 <= params["renew_before_days"] < params["validity_days"]:
        module.fail_json(msg="renew_before_days (%d) must be at least 0 and less than validity_days (%d), "
                             "or every run would reissue" % (params["renew_before_days"], params["validity_days"]))
    try:
        ca_cert, ca_key = load_ca(module)
        certificates, reasons = x509.sign_requests(
            params["requests"], ca_cert, ca_key, params["validity_days"], params["renew_before_days"]
        )
    except (x509.CertificateError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(reasons), certificates=certificates, reasons=reasons)


if __name__ == "__main__":
    main()
