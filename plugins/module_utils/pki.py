# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA's and the hosts' key and certificate files: what exists, what must change.

Each ``ensure_*`` function answers one question ("is this file right, and if not, why")
and, unless ``check_mode`` is set, makes it right. Returns plain dicts the modules report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.auditlog.fleet.plugins.module_utils import files, x509

PRIVATE_KEY_MODE = 0o600
CERTIFICATE_MODE = 0o644


def _load_or_make_key(path, key_type, mode, group, check_mode, changes):
    pem = files.read_or_none(path)
    if pem is None:
        changes.append("generated a new %s private key" % key_type)
        key = x509.generate_private_key(key_type)
        if not check_mode:
            files.write_atomic(path, x509.private_key_to_pem(key), mode, group)
        return key, True
    key = x509.load_private_key(pem, path)
    actual = x509.key_type_of(key)
    if actual != key_type:
        raise x509.CertificateError(
            "the private key at %s is %s, not %s; a new key type needs a key rotation"
            % (path, actual or "of an unsupported type", key_type)
        )
    if files.mode_and_group_differ(path, mode, group):
        changes.append("set the mode of %s to %04o" % (path, mode))
        if not check_mode:
            files.fix_mode_and_group(path, mode, group)
    return key, False


def ensure_ca(key_path, certificate_path, common_name, key_type, validity_days, check_mode, now=None):
    changes = []
    key, new_key = _load_or_make_key(key_path, key_type, PRIVATE_KEY_MODE, None, check_mode, changes)

    current_pem = files.read_or_none(certificate_path)
    reason = "there is no CA certificate" if current_pem is None else None
    if current_pem is not None:
        current = x509.load_certificate(current_pem, certificate_path)
        reason = x509.ca_certificate_problem(current, key, common_name, now)
        if reason and reason.startswith("the CA certificate expired"):
            raise x509.CertificateError(
                "%s: renewing an expired CA needs a CA rotation, not a silent re-sign" % reason
            )
    if reason is None:
        return {"changed": bool(changes), "changes": changes, "certificate": current_pem.decode("ascii")}

    changes.append("issued a new CA certificate because %s" % reason)
    certificate = x509.certificate_to_pem(x509.build_ca_certificate(key, common_name, validity_days, now))
    if not check_mode:
        files.write_atomic(certificate_path, certificate, CERTIFICATE_MODE)
    # In check mode a key that does not exist yet has no real certificate to show.
    shown = None if (check_mode and new_key) else certificate
    return {"changed": True, "changes": changes, "certificate": shown}


def ensure_host_key(key_path, key_type, key_mode, key_group, names, certificate_path, check_mode):
    """Make sure the host has its private key, and build the request the CA will sign.

    The key never leaves this function's host: only the request and the current
    certificate (both public) are returned.
    """
    changes = []
    key, new_key = _load_or_make_key(key_path, key_type, key_mode, key_group, check_mode, changes)
    csr = None if (check_mode and new_key) else x509.csr_to_pem(x509.build_csr(key, names))
    current = files.read_or_none(certificate_path)
    return {
        "changed": bool(changes),
        "changes": changes,
        "csr": csr,
        "certificate": current.decode("ascii") if current else None,
    }
