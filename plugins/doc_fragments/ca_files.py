# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The CA's files on the CA host, shared by the modules that sign and revoke.
    DOCUMENTATION = r"""
options:
  ca_private_key_path:
    description: Path of the CA private key on the CA host.
    type: path
    required: true
  ca_private_key_passphrase:
    description: Passphrase of the CA private key, if it has one (keep it in Ansible Vault).
    type: str
  ca_certificate_path:
    description: Path of the CA certificate on the CA host.
    type: path
    required: true
  index_path:
    description: Path of the CA's issuance index (JSON, mode 0600) on the CA host.
    type: path
    required: true
  crl_path:
    description: Path of the certificate revocation list (PEM) the CA publishes.
    type: path
    required: true
  crl_validity_days:
    description:
      - Validity of a newly published CRL, in days. The CRL is rewritten when what it lists
        changes or half its validity has passed.
      - A server that checks the CRL refuses every client once the CRL has expired, so keep this
        well above the time between two runs.
    type: int
    default: 365
requirements:
  - python3-cryptography 38 or newer on the CA host
"""
