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
    was revoked, names another key or other names or another usage, or expires within
    O(renew_before_days) or O(renew_before_percent).
  - Every certificate issued is recorded in the issuance index with a serial number no other
    certificate of the CA has; the host's previous certificate is marked superseded and listed
    in the CRL.
  - The CA decides every name. A certificate's subject is CN=O(requests[].name) and its
    subject alternative names are that name and O(requests[].names), DNS names and IP addresses
    only; a request (built on the host, which may be compromised) that asks for another subject,
    other names, other name types or other extensions gets nothing. So does a host revoked with
    M(auditlog.fleet.x509_revoke), and a host given a name another host holds (in a valid
    certificate, as a revoked host's name, or as a host name in the same batch), or a name that
    is a wildcard, ends in a dot or is not an LDH DNS name. All are listed in RV(refused).
  - Every host has an identity, a name under C(auditlog.invalid) that only the CA hands out and that
    its certificates carry after its other names (its current identity, then the previous one).
    Peers permit a host by its identity, not by its inventory name (RV(peer_names)). Revoking any
    certificate of a host gives it a new identity (M(auditlog.fleet.x509_revoke)), so a revoked
    certificate is refused where no CRL is read (rsyslog 8.2302's GnuTLS driver, librelp).
  - A request for the key of a revoked certificate gets nothing, so a leaked key is never certified
    again, whatever name asks for it.
  - A server certificate is for TLS server and client authentication, a client certificate for
    client authentication only.
  - Signing, like revoking, refuses to work with a missing, empty or malformed index; the CRL is
    never republished without a serial the previous one listed, and carries a growing CRLNumber.
  - All requests of a play are signed in one call, not one round trip per host.
author: auditlog.fleet contributors (@auditlog)
extends_documentation_fragment:
  - auditlog.fleet.ca_files
attributes:
  check_mode:
    support: full
    description: Signs in memory so the hosts' own tasks can show what they would change;
      writes neither the index nor the CRL.
  diff_mode:
    support: none
    description: RV(reasons) says which host gets a new certificate and why.
options:
  requests:
    description: The hosts' requests.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The host's name, the key of RV(certificates), and its certificate's CN and first
          subject alternative name.
        type: str
        required: true
      names:
        description: Further subject alternative names the host's certificate carries, each an LDH
          DNS name or an IP address, as the controller decided them.
        type: list
        elements: str
        default: []
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
  peers:
    description:
      - Inventory names of the hosts that the requesting hosts permit as peers (a server its
        clients, a client its servers). A peer without an identity gets one.
    type: list
    elements: str
    default: []
  validity_days:
    description: Validity of a new host certificate, in days (never beyond the CA's own).
    type: int
    default: 365
  renew_before_days:
    description: Reissue a certificate that expires within this many days.
    type: int
    default: 30
  renew_before_percent:
    description: Also reissue a certificate with less than this percentage of its validity
      left; 0 turns this rule off.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Sign every request of the play on the CA host
  auditlog.fleet.x509_sign:
    ca_private_key_path: /var/lib/auditlog-ca/ca.key
    ca_private_key_passphrase: "{{ vault_syslog_ca_passphrase }}"
    ca_certificate_path: /var/lib/auditlog-ca/ca.pem
    index_path: /var/lib/auditlog-ca/index.json
    crl_path: /var/lib/auditlog-ca/crl.pem
    requests:
      - name: client1.example.org
        csr: "{{ client1_request.csr }}"
        certificate: "{{ client1_request.certificate }}"
        usage: client
    peers: [logs1.example.org, logs2.example.org]
  delegate_to: ca.example.org
  run_once: true
  register: signed
"""

RETURN = r"""
certificates:
  description: The certificate in PEM every requesting host should have, by name; unchanged
    certificates are returned as they were. Revoked hosts are not in it.
  returned: always
  type: dict
reasons:
  description: Why each host that got a new certificate needed one, by name.
  returned: always
  type: dict
  sample: {"client1.example.org": "the host has no certificate"}
refused:
  description: Hosts of this batch that got no certificate (revoked, a name that is not allowed or another
    host's, a request for names the CA did not decide), with the reason.
  returned: always
  type: dict
revoked_hosts:
  description: Every host revoked on this CA, in this batch or not.
  returned: always
  type: list
  elements: str
peer_names:
  description:
    - For each of O(peers), the names its peers permit. That is its identity, and its inventory name
      too while its newest certificate is valid and older than identities (in a fleet upgraded from
      0.1, until every host has a certificate with an identity).
  returned: always
  type: dict
  sample: {"logs1.example.org": ["logs1-example-org-5f0c2a9b81d3e467.auditlog.invalid"]}
changes:
  description: What changed on the CA host, in words.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, pki, x509


def main():
    argument_spec = pki.ca_files_argument_spec()
    argument_spec.update(
        requests=dict(
            type="list", elements="dict", required=True,
            options=dict(
                name=dict(type="str", required=True),
                names=dict(type="list", elements="str", default=[]),
                csr=dict(type="str", required=True),
                certificate=dict(type="str"),
                usage=dict(type="str", required=True, choices=list(x509.USAGES)),
            ),
        ),
        peers=dict(type="list", elements="str", default=[]),
        validity_days=dict(type="int", default=365),
        renew_before_days=dict(type="int", default=30),
        renew_before_percent=dict(type="int", default=0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if not 0 <= params["renew_before_days"] < params["validity_days"]:
        module.fail_json(msg="renew_before_days (%d) must be at least 0 and less than validity_days (%d), "
                             "or every run would reissue" % (params["renew_before_days"], params["validity_days"]))
    if not 0 <= params["renew_before_percent"] < 100:
        module.fail_json(msg="renew_before_percent must be from 0 to 99, got %d" % params["renew_before_percent"])
    policy = x509.RenewalPolicy(params["validity_days"], params["renew_before_days"], params["renew_before_percent"])
    try:
        result = pki.sign_batch(pki.ca_files_from_params(params), params["requests"], policy,
                                params["crl_validity_days"], module.check_mode, peers=params["peers"])
    except (x509.CertificateError, ca_index.CAIndexError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
