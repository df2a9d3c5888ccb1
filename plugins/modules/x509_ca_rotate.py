#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: x509_ca_rotate
short_description: Replace the fleet's CA by a new one, one step at a time
version_added: 0.2.0
description:
  - Runs on the CA host. Takes one step of a CA rotation, then brings the CRL file and the
    trust bundle (the CA certificates every host trusts) up to date.
  - Step C(introduce) creates the new CA beside the signing one (files C(ca.next.key) and
    C(ca.next.pem) next to O(ca_private_key_path) and O(ca_certificate_path)). The trust
    bundle then holds both CAs; certificates are still signed by the old one. Install the
    bundle on every host before the next step.
  - Step C(promote) makes the new CA the signing one. The old one moves to C(ca.previous.key)
    and C(ca.previous.pem), stays in the trust bundle and keeps publishing its CRL. Every host's
    certificate is reissued by the new CA on its next run, because it was issued by another CA.
  - Step C(retire) removes the old CA from the trust bundle and the CRL file, deletes its key
    and keeps its certificate as C(ca.retired-<key id>.pem). It is refused while any host
    still holds a valid certificate the old CA issued (renew or revoke those first).
  - Each step is idempotent, and refused with a clear message when taken out of order. A
    promotion interrupted halfway is finished by taking the step promote again.
  - Each CA generation gets its own subject (the common name and a serialNumber attribute
    derived from its key), so that TLS libraries never confuse the two.
author: auditlog.fleet contributors (@auditlog)
extends_documentation_fragment:
  - auditlog.fleet.ca_files
attributes:
  check_mode:
    support: full
    description: Reports what the step would do; writes nothing.
  diff_mode:
    support: none
    description: Key material is not shown; RV(changes) says what changed.
options:
  step:
    description: The rotation step to take.
    type: str
    required: true
    choices: [introduce, promote, retire]
  trust_bundle_path:
    description: The trust bundle (PEM) to keep up to date; the hosts install it as their CA file.
    type: path
    required: true
  common_name:
    description: Common name of the new CA (step C(introduce)).
    type: str
    default: auditlog.fleet CA
  key_type:
    description: Key type of the new CA (step C(introduce)).
    type: str
    choices: [ecdsa-p256, rsa-3072, rsa-4096]
    default: ecdsa-p256
  validity_days:
    description: Validity of the new CA certificate in days (step C(introduce)).
    type: int
    default: 3650
notes:
  - The new CA key is protected by O(ca_private_key_passphrase) like the signing one.
  - playbooks/rotate-ca.yml takes a step and then converges the fleet, checking before the
    promotion that every host already trusts the new CA.
"""

EXAMPLES = r"""
- name: Introduce a new CA beside the current one
  auditlog.fleet.x509_ca_rotate:
    step: introduce
    ca_private_key_path: /var/lib/auditlog-ca/ca.key
    ca_private_key_passphrase: "{{ vault_auditlog_ca_passphrase }}"
    ca_certificate_path: /var/lib/auditlog-ca/ca.pem
    index_path: /var/lib/auditlog-ca/index.json
    crl_path: /var/lib/auditlog-ca/crl.pem
    trust_bundle_path: /var/lib/auditlog-ca/trust.pem
"""

RETURN = r"""
state:
  description:
    - Where the rotation stands after the step. V(none) means no rotation under way (before the
      first step, or after the step retire); V(introduced) or V(promoted) after those steps.
    - In check mode, where it stands now.
  returned: always
  type: str
  sample: introduced
trusted:
  description: The subjects of the CAs in the trust bundle. Not returned in check mode when the step would change something.
  returned: when the step was taken or changed nothing
  type: list
  elements: str
changes:
  description: What changed, in words.
  returned: always
  type: list
  elements: str
  sample: ["promoted the new CA CN=auditlog.fleet CA,2.5.4.5=1f2e...: it signs from now on; ..."]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, pki, x509


def main():
    argument_spec = pki.ca_files_argument_spec()
    argument_spec.update(
        step=dict(type="str", required=True, choices=list(pki.ROTATION_STEPS)),
        trust_bundle_path=dict(type="path", required=True),
        common_name=dict(type="str", default="auditlog.fleet CA"),
        key_type=dict(type="str", default="ecdsa-p256", choices=list(x509.KEY_TYPES)),
        validity_days=dict(type="int", default=3650),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not x509.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography (Debian package python3-cryptography)"),
                         exception=x509.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if params["validity_days"] < 1:
        module.fail_json(msg="validity_days must be at least 1, got %d" % params["validity_days"])
    new_ca = {name: params[name] for name in ("common_name", "key_type", "validity_days")}
    try:
        result = pki.rotate(pki.ca_files_from_params(params), params["step"], params["trust_bundle_path"],
                            new_ca, params["crl_validity_days"], module.check_mode)
    except (x509.CertificateError, ca_index.CAIndexError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
