#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: x509_revoke
short_description: Revoke host certificates of the fleet's CA and publish the CRL
version_added: 0.2.0
description:
  - Runs on the CA host. Revokes every certificate of the hosts in O(hosts) and refuses them new
    ones (a decommissioned or compromised host), or single certificates by serial in O(serials)
    (a leaked key; the host needs a new key and certificate, RV(hosts_to_reissue)).
  - Either gives the host a new identity (a revoked host both of its identities), the name its
    peers permit it by (M(auditlog.fleet.x509_sign)). Once its peers are reconfigured, none of
    its revoked certificates carries a permitted name; that is what stops them where no CRL is
    read (rsyslog before 8.2308, librelp, the clients).
  - Publishes a CRL listing every revoked or superseded certificate that has not expired.
  - The servers role also leaves revoked hosts out of its permitted peers.
author: auditlog.fleet contributors (@auditlog)
extends_documentation_fragment:
  - auditlog.fleet.ca_files
attributes:
  check_mode:
    support: full
    description: Reports what would be revoked; writes nothing.
  diff_mode:
    support: none
    description: RV(changes) says what changed.
options:
  hosts:
    description: Inventory names of hosts to revoke.
    type: list
    elements: str
    default: []
  serials:
    description: Serial numbers (hexadecimal, as in the index) of certificates to revoke.
    type: list
    elements: str
    default: []
  unrevoke_hosts:
    description: Hosts that may have certificates again (their revoked certificates stay revoked).
    type: list
    elements: str
    default: []
  reason:
    description: Why, kept in the index.
    type: str
    default: revoked by the operator
"""

EXAMPLES = r"""
- name: Decommission a client
  auditlog.fleet.x509_revoke:
    ca_private_key_path: /var/lib/auditlog-ca/ca.key
    ca_certificate_path: /var/lib/auditlog-ca/ca.pem
    index_path: /var/lib/auditlog-ca/index.json
    crl_path: /var/lib/auditlog-ca/crl.pem
    hosts: [web3.example.org]
    reason: decommissioned
"""

RETURN = r"""
revoked_hosts:
  description: Every host that is revoked now.
  returned: always
  type: list
  elements: str
hosts_to_reissue:
  description:
    - Hosts that are not revoked but whose newest certificate is revoked, or does not carry
      their current identity (a serial of theirs was revoked). They need a new key and a new
      certificate, best before their peers are told of the new identity.
  returned: always
  type: list
  elements: str
hosts_with_new_identity:
  description:
    - The hosts of O(hosts) and of O(serials), whether or not this run changed them (so that a
      run that stopped halfway can be repeated). Their peers must be told of their new identity.
  returned: always
  type: list
  elements: str
revoked_serials:
  description: Every revoked certificate serial now (hexadecimal).
  returned: always
  type: list
  elements: str
changes:
  description: What changed, in words.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, pki, x509


def main():
    argument_spec = pki.ca_files_argument_spec()
    argument_spec.update(
        hosts=dict(type="list", elements="str", default=[]),
        serials=dict(type="list", elements="str", default=[]),
        unrevoke_hosts=dict(type="list", elements="str", default=[]),
        reason=dict(type="str", default="revoked by the operator"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    both = set(params["hosts"]) & set(params["unrevoke_hosts"])
    if both:
        module.fail_json(msg="hosts to revoke and to unrevoke overlap: %s" % ", ".join(sorted(both)))
    try:
        serials = [int(serial, 16) for serial in params["serials"]]
    except ValueError:
        module.fail_json(msg="serials must be hexadecimal numbers as in the CA index, got %s" % params["serials"])
    try:
        result = pki.revoke(pki.ca_files_from_params(params), params["hosts"], serials, params["unrevoke_hosts"],
                            params["reason"], params["crl_validity_days"], module.check_mode)
    except (x509.CertificateError, ca_index.CAIndexError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
