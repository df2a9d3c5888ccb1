# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA's and the hosts' key and certificate files: what exists, what must change.

Each ``ensure_*`` function answers one question ("is this file right, and if not, why")
and, unless ``check_mode`` is set, makes it right. Returns plain dicts the modules report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, files, x509

PRIVATE_KEY_MODE = 0o600
CERTIFICATE_MODE = 0o644
INDEX_MODE = 0o600


def _load_or_make_key(path, key_type, mode, group, check_mode, changes, passphrase=None, rotate=False):
    pem = files.read_or_none(path)
    if pem is None or rotate:
        changes.append("generated a new %s private key" % key_type if pem is None
                       else "replaced the private key with a new %s key, as asked" % key_type)
        key = x509.generate_private_key(key_type)
        if not check_mode:
            files.write_atomic(path, x509.private_key_to_pem(key, passphrase), mode, group)
        return key, True
    key = x509.load_private_key(pem, path, passphrase)
    actual = x509.key_type_of(key)
    if actual != key_type:
        raise x509.CertificateError(
            "the private key at %s is %s, not %s; a new key type needs a key rotation"
            % (path, actual or "of an unsupported type", key_type)
        )
    if passphrase and not x509.is_encrypted_pem(pem):
        changes.append("protected %s with the passphrase" % path)
        if not check_mode:
            files.write_atomic(path, x509.private_key_to_pem(key, passphrase), mode, group)
    elif files.mode_and_group_differ(path, mode, group):
        changes.append("set the mode of %s to %04o" % (path, mode))
        if not check_mode:
            files.fix_mode_and_group(path, mode, group)
    return key, False


def ensure_ca(key_path, certificate_path, common_name, key_type, validity_days, check_mode, now=None,
              passphrase=None):
    changes = []
    key, new_key = _load_or_make_key(key_path, key_type, PRIVATE_KEY_MODE, None, check_mode, changes, passphrase)

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


def ensure_host_key(key_path, key_type, key_mode, key_group, names, certificate_path, check_mode, rotate=False):
    """Make sure the host has its private key, and build the request the CA will sign.

    The key never leaves this function's host: only the request and the current
    certificate (both public) are returned.
    """
    changes = []
    key, new_key = _load_or_make_key(key_path, key_type, key_mode, key_group, check_mode, changes, rotate=rotate)
    csr = None if (check_mode and new_key) else x509.csr_to_pem(x509.build_csr(key, names))
    current = files.read_or_none(certificate_path)
    return {
        "changed": bool(changes),
        "changes": changes,
        "csr": csr,
        "certificate": current.decode("ascii") if current else None,
    }


# --- the CA host: signing and revocation -----------------------------------------------

class CAFiles:
    """Where the CA keeps its key, certificate, issuance index and CRL."""

    def __init__(self, key_path, certificate_path, index_path, crl_path, passphrase=None):
        self.key_path = key_path
        self.certificate_path = certificate_path
        self.index_path = index_path
        self.crl_path = crl_path
        self.passphrase = passphrase

    def load(self):
        key_pem = files.read_or_none(self.key_path)
        cert_pem = files.read_or_none(self.certificate_path)
        if key_pem is None or cert_pem is None:
            raise x509.CertificateError(
                "the CA is not set up on this host: %s or %s is missing; run the syslog_ca role here first"
                % (self.key_path, self.certificate_path))
        key = x509.load_private_key(key_pem, self.key_path, self.passphrase)
        cert = x509.load_certificate(cert_pem, self.certificate_path)
        if not x509.same_public_key(key.public_key(), cert.public_key()):
            raise x509.CertificateError("%s does not belong to the CA key %s" % (self.certificate_path, self.key_path))
        index_text = files.read_or_none(self.index_path)
        try:
            index = ca_index.Index.from_json(index_text.decode("utf-8") if index_text else "", self.index_path)
        except ca_index.CAIndexError as exc:
            raise x509.CertificateError(str(exc))
        return cert, key, index

    def save(self, index, cert, key, crl_validity_days, changes, check_mode, now):
        """Write the index if asked and the CRL if what it must list changed."""
        if changes and not check_mode:
            files.write_atomic(self.index_path, index.to_json(), INDEX_MODE)
        withdrawn = index.withdrawn(x509.iso(now))
        reason = x509.crl_problem(files.read_or_none(self.crl_path), cert, withdrawn, now)
        if reason is not None:
            changes.append("published a new CRL because %s" % reason)
            if not check_mode:
                crl = x509.build_crl(cert, key, withdrawn, crl_validity_days, now)
                files.write_atomic(self.crl_path, x509.crl_to_pem(crl), CERTIFICATE_MODE)


def sign_batch(ca, requests, policy, crl_validity_days, check_mode, now=None):
    now = now or x509.utcnow()
    cert, key, index = ca.load()
    certificates, reasons, refused = x509.sign_requests(requests, cert, key, policy, index, now)
    changes = ["issued a certificate to %s because %s" % item for item in sorted(reasons.items())]
    ca.save(index, cert, key, crl_validity_days, changes, check_mode, now)
    return {"changed": bool(changes), "changes": changes, "certificates": certificates,
            "reasons": reasons, "refused": refused, "revoked_hosts": sorted(index.revoked_hosts)}


def revoke(ca, hosts, serials, unrevoke_hosts, reason, crl_validity_days, check_mode, now=None):
    now = now or x509.utcnow()
    cert, key, index = ca.load()
    changes = []
    try:
        for host in hosts:
            if index.revoke_host(host, reason, x509.iso(now)):
                changes.append("revoked host %s" % host)
        for serial in serials:
            if index.revoke_serial(serial, reason, x509.iso(now)):
                changes.append("revoked serial %x" % serial)
    except ca_index.CAIndexError as exc:
        raise x509.CertificateError(str(exc))
    for host in unrevoke_hosts:
        if index.unrevoke_host(host):
            changes.append("host %s may have certificates again" % host)
    ca.save(index, cert, key, crl_validity_days, changes, check_mode, now)
    return {"changed": bool(changes), "changes": changes,
            "revoked_hosts": sorted(index.revoked_hosts),
            "revoked_serials": sorted("%x" % int(e["serial"], 16) for e in index.certificates if e["status"] == "revoked")}


def ca_files_argument_spec():
    """The options every module that works on the CA's files takes (doc fragment ca_files)."""
    return dict(
        ca_private_key_path=dict(type="path", required=True, no_log=False),
        ca_private_key_passphrase=dict(type="str", no_log=True),
        ca_certificate_path=dict(type="path", required=True),
        index_path=dict(type="path", required=True),
        crl_path=dict(type="path", required=True),
        crl_validity_days=dict(type="int", default=365),
    )


def ca_files_from_params(params):
    return CAFiles(params["ca_private_key_path"], params["ca_certificate_path"], params["index_path"],
                   params["crl_path"], params["ca_private_key_passphrase"])
