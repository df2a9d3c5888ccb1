# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA's and the hosts' key and certificate files: what exists, what must change.

Each ``ensure_*`` function answers one question ("is this file right, and if not, why")
and, unless ``check_mode`` is set, makes it right. Returns plain dicts the modules report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, files, x509
from ansible_collections.auditlog.fleet.plugins.module_utils import names as name_rules

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
              passphrase=None, trust_bundle_path=None, index_path=None, crl_path=None, recover_index=False):
    """The CA's key and certificate, its trust bundle and (given ``index_path``) its index.

    ``recover_index`` rebuilds a missing or damaged index from the CRL at ``crl_path``.
    """
    changes = []
    key, new_key = _load_or_make_key(key_path, key_type, PRIVATE_KEY_MODE, None, check_mode, changes, passphrase)
    if index_path:
        ca_files = CAFiles(key_path, certificate_path, index_path, crl_path, passphrase)
        changes.extend(ensure_index(ca_files, new_key, recover_index, check_mode, now))

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
        certificate = current_pem.decode("ascii")
    else:
        changes.append("issued a new CA certificate because %s" % reason)
        certificate = x509.certificate_to_pem(x509.build_ca_certificate(key, common_name, validity_days, now))
        if not check_mode:
            files.write_atomic(certificate_path, certificate, CERTIFICATE_MODE)
        if check_mode and new_key:
            # A key that does not exist yet has no real certificate to show.
            certificate = None
    if trust_bundle_path and certificate:
        trusted = [x509.load_certificate(certificate)]
        for role in (NEXT, PREVIOUS):
            path = companion_path(certificate_path, role)
            pem = files.read_or_none(path)
            if pem is not None:
                trusted.append(x509.load_certificate(pem, path))
        _ensure_trust_bundle(trust_bundle_path, trusted, check_mode, changes)
    return {"changed": bool(changes), "changes": changes, "certificate": certificate}


def ensure_host_key(key_path, key_type, key_mode, key_group, names, certificate_path, check_mode, rotate=False):
    """Make sure the host has its private key, and build the request the CA will sign.

    The key never leaves this function's host: only the request and the current
    certificate (both public) are returned.
    """
    changes = []
    names = x509.certificate_names(names)  # a bad name stops this before a key is made
    key, new_key = _load_or_make_key(key_path, key_type, key_mode, key_group, check_mode, changes, rotate=rotate)
    csr = None if (check_mode and new_key) else x509.csr_to_pem(x509.build_csr(key, names))
    current = files.read_or_none(certificate_path)
    return {
        "changed": bool(changes),
        "changes": changes,
        "csr": csr,
        "certificate": current.decode("ascii") if current else None,
    }


# --- the CA host: signing, revocation and rotation ---------------------------------------

# During a CA rotation a second CA sits beside the signing one: the NEXT one after it was
# introduced (trusted, not yet signing), then the PREVIOUS one after the new one was
# promoted (still trusted, signs only its CRL) until it is retired.
NEXT = "next"
PREVIOUS = "previous"
# A promotion stopped halfway (a crash between two renames); taking the step again ends it.
INTERRUPTED = "interrupted"
ROTATION_STEPS = ("introduce", "promote", "retire")
ROTATION_STATES = {None: "none", NEXT: "introduced", PREVIOUS: "promoted", INTERRUPTED: "interrupted"}


def companion_path(path, role):
    """Where the next or previous CA keeps the file that ``path`` is for the signing CA.

    ``/var/lib/auditlog-ca/ca.key`` becomes ``/var/lib/auditlog-ca/ca.next.key``.
    """
    directory, slash, name = path.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    name = "%s.%s.%s" % (stem, role, extension) if dot and stem else "%s.%s" % (name, role)
    return directory + slash + name


def trust_bundle(certificates):
    """The PEM file of the CAs the hosts trust, oldest first, so a promotion leaves it unchanged."""
    ordered = sorted(certificates, key=lambda c: (x509.not_valid_before(c), c.serial_number))
    return "".join(x509.certificate_to_pem(c) for c in ordered)


def _ensure_trust_bundle(path, certificates, check_mode, changes):
    wanted = trust_bundle(certificates).encode("ascii")
    if files.read_or_none(path) == wanted and not files.mode_and_group_differ(path, CERTIFICATE_MODE, None):
        return
    changes.append("wrote the trust bundle %s (%d CA%s)" % (path, len(certificates), "" if len(certificates) == 1 else "s"))
    if not check_mode:
        files.write_atomic(path, wanted, CERTIFICATE_MODE)


class LoadedCA:
    """The signing CA, the CA beside it during a rotation, and the issuance index."""

    def __init__(self, cert, key, index, companion=None):
        self.cert = cert
        self.key = key
        self.index = index
        # (role, certificate, key) of the next or previous CA, or None.
        self.companion = companion

    def authorities(self):
        """Every CA that publishes a CRL: the signing one first."""
        pairs = [(self.cert, self.key)]
        if self.companion is not None:
            pairs.append(self.companion[1:])
        return pairs

    def certificates(self):
        return [cert for cert, _key in self.authorities()]


class CAFiles:
    """Where the CA keeps its key, certificate, issuance index and CRL."""

    def __init__(self, key_path, certificate_path, index_path, crl_path, passphrase=None):
        self.key_path = key_path
        self.certificate_path = certificate_path
        self.index_path = index_path
        self.crl_path = crl_path
        self.passphrase = passphrase

    def companion(self, role):
        """The (key path, certificate path) of the next or previous CA."""
        return companion_path(self.key_path, role), companion_path(self.certificate_path, role)

    def rotation_state(self):
        has_next = any(files.read_or_none(p) is not None for p in self.companion(NEXT))
        has_previous = files.read_or_none(self.companion(PREVIOUS)[1]) is not None
        if has_next and has_previous:
            return INTERRUPTED
        return NEXT if has_next else PREVIOUS if has_previous else None

    def _load_pair(self, key_path, certificate_path):
        key_pem = files.read_or_none(key_path)
        cert_pem = files.read_or_none(certificate_path)
        if key_pem is None or cert_pem is None:
            raise x509.CertificateError(
                "the CA is not set up on this host: %s or %s is missing; run the syslog_ca role here first"
                % (key_path, certificate_path))
        key = x509.load_private_key(key_pem, key_path, self.passphrase)
        cert = x509.load_certificate(cert_pem, certificate_path)
        if not x509.same_public_key(key.public_key(), cert.public_key()):
            raise x509.CertificateError("%s does not belong to the CA key %s" % (certificate_path, key_path))
        return cert, key

    def load(self):
        state = self.rotation_state()
        if state == INTERRUPTED:
            raise x509.CertificateError(
                "the promotion of the new CA was interrupted (%s and %s both exist); take the rotation "
                "step promote again to finish it" % (self.companion(NEXT)[1], self.companion(PREVIOUS)[1]))
        cert, key = self._load_pair(self.key_path, self.certificate_path)
        companion = None
        if state is not None:
            companion = (state,) + self._load_pair(*self.companion(state))
        index = read_index(self.index_path)
        if state != PREVIOUS:
            # Entries from before issuers were recorded; a promotion writes them down first.
            index.assign_issuer(x509.ca_key_id(cert))
        return LoadedCA(cert, key, index, companion)

    def write_index(self, ca, check_mode):
        if not check_mode:
            files.write_atomic(self.index_path, ca.index.to_json(), INDEX_MODE)

    def publish_crl(self, ca, crl_validity_days, changes, check_mode, now):
        """Rewrite the CRLs if what they must list changed or they are past half their validity.

        A new CRL never drops a serial the one it replaces lists, unless the index says
        that certificate has expired, and its CRLNumber is higher.
        """
        authorities = [(cert, key, ca.index.withdrawn(x509.iso(now), x509.ca_key_id(cert)))
                       for cert, key in ca.authorities()]
        current = files.read_or_none(self.crl_path)
        reason = x509.crl_bundle_problem(current, authorities, now)
        if reason is None:
            return
        published = x509.read_crl_bundle(current) or []
        _check_nothing_dropped(published, authorities, ca.index, now, self.crl_path)
        numbers = [x509.crl_number_of(crl) or 0 for crl in published]
        ca.index.crl_number = max([ca.index.crl_number] + numbers) + 1
        changes.append("published CRL number %d because %s" % (ca.index.crl_number, reason))
        if not check_mode:
            # The number is on record before the CRL that carries it is out.
            self.write_index(ca, check_mode)
            files.write_atomic(self.crl_path, x509.build_crl_bundle(authorities, crl_validity_days, now,
                                                                    ca.index.crl_number), CERTIFICATE_MODE)


INDEX_RECOVERY_HINT = ("restore it from a backup, or rebuild it from the CRL with the syslog_ca role and "
                       "syslog_ca_recover_index=true (docs/ca.md, 'When the CA index is lost')")


def read_index(path):
    """The CA's index; missing, empty or malformed is an error with the way out, never a new index."""
    text = files.read_or_none(path)
    if text is None:
        raise x509.CertificateError("the CA index %s is missing: the CA signs and revokes nothing without it; %s"
                                    % (path, INDEX_RECOVERY_HINT))
    try:
        return ca_index.Index.from_json(text.decode("utf-8", "replace"), path)
    except ca_index.CAIndexError as exc:
        raise x509.CertificateError("%s: the CA signs and revokes nothing until it is repaired; %s"
                                    % (exc, INDEX_RECOVERY_HINT))


def _check_nothing_dropped(published, authorities, index, now, crl_path):
    listed = {}
    for cert, _key, withdrawn in authorities:
        listed[cert.subject] = set(int(entry["serial"], 16) for entry in withdrawn)
    for crl in published:
        if crl.issuer not in listed:
            continue  # a CA no longer trusted (retired): its CRL goes with it
        for serial in sorted(set(x509.crl_revocations(crl)) - listed[crl.issuer]):
            entry = index.entry(serial)
            if entry is None or entry["not_after"] > x509.iso(now):
                raise x509.CertificateError(
                    "the new CRL would no longer list serial %x, which %s lists and the CA index %s; the "
                    "index is not the one that CRL was made from. Nothing was published; %s"
                    % (serial, crl_path, "does not know" if entry is None else "has as unexpired",
                       INDEX_RECOVERY_HINT))


def recover_index(ca_files, check_mode, now=None):
    """A new index from the CRL, when the index is lost: every serial it lists stays revoked.

    What the CRL cannot say is lost: which host each serial belonged to, the revoked hosts
    (revoke them again) and the current certificates, which are recorded as the hosts
    next get a certificate (each is reissued then, and the old one listed as superseded).
    """
    now = now or x509.utcnow()
    crl_pem = files.read_or_none(ca_files.crl_path)
    crls = x509.read_crl_bundle(crl_pem)
    if crls is None:
        raise x509.CertificateError(
            "cannot rebuild the CA index without the CRL %s: copy it back from a server (crl.pem in "
            "its TLS directory) first" % ca_files.crl_path)
    authorities = {}
    for role in (None, NEXT, PREVIOUS):
        key_path, certificate_path = ((ca_files.key_path, ca_files.certificate_path) if role is None
                                      else ca_files.companion(role))
        pem = files.read_or_none(certificate_path)
        if pem is not None:
            cert = x509.load_certificate(pem, certificate_path)
            authorities[cert.subject] = cert
    index = ca_index.Index()
    for crl in crls:
        issuer = authorities.get(crl.issuer)
        if issuer is None or not crl.is_signature_valid(issuer.public_key()):
            raise x509.CertificateError("%s holds a CRL no CA of this host signed" % ca_files.crl_path)
        index.crl_number = max(index.crl_number, x509.crl_number_of(crl) or 0)
        for serial, revoked_at in sorted(x509.crl_revocations(crl).items()):
            index.certificates.append({
                "serial": "%x" % serial, "name": ca_index.UNKNOWN_HOST, "subject": "", "names": [],
                "usage": None, "not_before": x509.iso(revoked_at),
                # When it expires is not in the CRL: it stays listed as long as its CA is trusted.
                "not_after": x509.iso(x509.not_valid_after(issuer)), "status": ca_index.REVOKED,
                "revoked_at": x509.iso(revoked_at), "revocation_reason": "recovered from the CRL",
                "ca": x509.ca_key_id(issuer)})
    changes = ["rebuilt the CA index %s from the CRL %s: %d revoked serial%s, CRL number %d; revoke the revoked "
               "hosts again by name" % (ca_files.index_path, ca_files.crl_path, len(index.certificates),
                                        "" if len(index.certificates) == 1 else "s", index.crl_number)]
    if not check_mode:
        damaged = files.read_or_none(ca_files.index_path)
        if damaged is not None:
            kept_as = "%s.damaged-%s" % (ca_files.index_path, now.strftime("%Y%m%dT%H%M%SZ"))
            os.rename(ca_files.index_path, kept_as)
            changes.append("kept the damaged index as %s" % kept_as)
        files.write_atomic(ca_files.index_path, index.to_json(), INDEX_MODE)
    return changes


def ensure_index(ca_files, new_ca, recover, check_mode, now=None):
    """A new CA starts an empty index; an existing CA must have its own (see read_index)."""
    if files.read_or_none(ca_files.index_path) is None and new_ca:
        if not check_mode:
            files.write_atomic(ca_files.index_path, ca_index.Index().to_json(), INDEX_MODE)
        return ["started the CA index %s" % ca_files.index_path]
    try:
        read_index(ca_files.index_path)
    except x509.CertificateError:
        if not recover:
            raise
        return recover_index(ca_files, check_mode, now)
    if files.mode_and_group_differ(ca_files.index_path, INDEX_MODE, None):
        if not check_mode:
            files.fix_mode_and_group(ca_files.index_path, INDEX_MODE, None)
        return ["set the mode of %s to %04o" % (ca_files.index_path, INDEX_MODE)]
    return []


def sign_batch(ca_files, requests, policy, crl_validity_days, check_mode, now=None, peers=()):
    """Sign a batch (x509.sign_requests) and tell the batch's hosts which names to permit for
    each of their ``peers`` (inventory names of hosts): its identity (ca_index.py)."""
    now = now or x509.utcnow()
    for peer in peers:
        problem = name_rules.name_problem(peer)
        if problem:
            raise x509.CertificateError("peer %s" % problem)
    ca = ca_files.load()
    index = ca.index
    changes = ["took the identity of %s from its current certificate" % request["name"] for request in requests
               if request["name"] not in index.identities
               and index.adopt_identity(request["name"], x509.carried_identity(request, ca.cert, index, now))]
    changes += ["gave %s an identity" % host
                for host in [request["name"] for request in requests] + list(peers)
                if index.ensure_identity(host)]
    certificates, reasons, refused = x509.sign_requests(requests, ca.cert, ca.key, policy, index, now)
    changes += ["issued a certificate to %s because %s" % item for item in sorted(reasons.items())]
    if changes:
        ca_files.write_index(ca, check_mode)
    ca_files.publish_crl(ca, crl_validity_days, changes, check_mode, now)
    return {"changed": bool(changes), "changes": changes, "certificates": certificates,
            "reasons": reasons, "refused": refused, "revoked_hosts": sorted(index.revoked_hosts),
            "peer_names": index.permitted_names(peers)}


def revoke(ca_files, hosts, serials, unrevoke_hosts, reason, crl_validity_days, check_mode, now=None):
    now = now or x509.utcnow()
    ca = ca_files.load()
    index = ca.index
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
    if changes:
        ca_files.write_index(ca, check_mode)
    ca_files.publish_crl(ca, crl_validity_days, changes, check_mode, now)
    # Whether or not this run changed them: a run that stopped halfway is repeated as it was.
    with_new_identity = set(hosts).union(index.entry(serial)["name"] for serial in serials)
    return {"changed": bool(changes), "changes": changes,
            "revoked_hosts": sorted(index.revoked_hosts),
            "hosts_to_reissue": index.hosts_to_reissue(),
            "hosts_with_new_identity": sorted(with_new_identity.difference([ca_index.UNKNOWN_HOST])),
            "revoked_serials": sorted("%x" % int(e["serial"], 16) for e in index.certificates if e["status"] == "revoked")}


def _introduce(ca_files, state, new_ca, check_mode, now, changes):
    if state in (PREVIOUS, INTERRUPTED):
        raise x509.CertificateError(
            "a new CA was already promoted; finish that rotation with the step retire before introducing another")
    if state == NEXT:
        return
    ca_files.load()  # the signing CA must be readable (and the passphrase right) before anything is added
    key = x509.generate_private_key(new_ca["key_type"])
    cert = x509.build_ca_certificate(key, new_ca["common_name"], new_ca["validity_days"], now)
    changes.append("introduced the new CA %s: trusted from now on, signing from the step promote"
                   % cert.subject.rfc4514_string())
    if not check_mode:
        key_path, certificate_path = ca_files.companion(NEXT)
        files.write_atomic(key_path, x509.private_key_to_pem(key, ca_files.passphrase), PRIVATE_KEY_MODE)
        files.write_atomic(certificate_path, x509.certificate_to_pem(cert), CERTIFICATE_MODE)


def _promote(ca_files, state, check_mode, now, changes):
    if state is None:
        raise x509.CertificateError("no new CA was introduced: take the rotation step introduce first")
    if state == PREVIOUS:
        return
    next_key_path, next_certificate_path = ca_files.companion(NEXT)
    if state == NEXT:
        ca = ca_files.load()
        new_cert = ca.companion[1]
        if x509.not_valid_after(new_cert) <= now:
            raise x509.CertificateError("the new CA certificate %s expired on %s; introduce another one"
                                        % (next_certificate_path, x509.not_valid_after(new_cert).isoformat()))
        changes.append("promoted the new CA %s: it signs from now on; the old CA %s stays trusted until "
                       "the step retire" % (new_cert.subject.rfc4514_string(), ca.cert.subject.rfc4514_string()))
        if check_mode:
            return
        # Which CA issued what must be on record before the new CA takes the signing files.
        ca_files.write_index(ca, check_mode)
        previous_key_path, previous_certificate_path = ca_files.companion(PREVIOUS)
        files.write_atomic(previous_key_path, files.read_or_none(ca_files.key_path), PRIVATE_KEY_MODE)
        files.write_atomic(previous_certificate_path, files.read_or_none(ca_files.certificate_path), CERTIFICATE_MODE)
    else:
        changes.append("finished the interrupted promotion of the new CA")
        if check_mode:
            return
    for source, target in ((next_key_path, ca_files.key_path), (next_certificate_path, ca_files.certificate_path)):
        if files.read_or_none(source) is not None:
            os.rename(source, target)


def _retire(ca_files, state, check_mode, changes):
    if state in (NEXT, INTERRUPTED):
        raise x509.CertificateError("the new CA is not promoted yet: take the rotation step promote first")
    if state is None:
        return
    ca = ca_files.load()
    old_cert = ca.companion[1]
    old_id = x509.ca_key_id(old_cert)
    holders = ca.index.holders_of_valid_certificates(old_id)
    if holders:
        raise x509.CertificateError(
            "the old CA cannot be retired yet: %s still hold%s a valid certificate it issued; give them new "
            "certificates (the step promote, or playbooks/renew.yml) or revoke them first"
            % (", ".join(holders), "s" if len(holders) == 1 else ""))
    key_path, certificate_path = ca_files.companion(PREVIOUS)
    kept_as = companion_path(ca_files.certificate_path, "retired-" + old_id[:16])
    changes.append("retired the old CA %s: its key is deleted, its certificate kept as %s"
                   % (old_cert.subject.rfc4514_string(), kept_as))
    if not check_mode:
        os.unlink(key_path)
        os.rename(certificate_path, kept_as)


def rotate(ca_files, step, trust_bundle_path, new_ca, crl_validity_days, check_mode, now=None):
    """Take one step of a CA rotation, then bring the CRLs and the trust bundle up to date.

    ``step`` is one of ROTATION_STEPS; ``new_ca`` holds ``common_name``, ``key_type`` and
    ``validity_days`` for the CA that the step introduce creates.
    """
    now = now or x509.utcnow()
    changes = []
    state = ca_files.rotation_state()
    if step == "introduce":
        _introduce(ca_files, state, new_ca, check_mode, now, changes)
    elif step == "promote":
        _promote(ca_files, state, check_mode, now, changes)
    elif step == "retire":
        _retire(ca_files, state, check_mode, changes)
    else:
        raise x509.CertificateError("unknown rotation step %r; choose one of %s" % (step, ", ".join(ROTATION_STEPS)))
    if check_mode and changes:
        # The files the step would write do not exist; what follows from them is implied.
        return {"changed": True, "changes": changes, "state": ROTATION_STATES[state]}
    ca = ca_files.load()
    ca_files.publish_crl(ca, crl_validity_days, changes, check_mode, now)
    _ensure_trust_bundle(trust_bundle_path, ca.certificates(), check_mode, changes)
    return {"changed": bool(changes), "changes": changes, "state": ROTATION_STATES[ca_files.rotation_state()],
            "trusted": [cert.subject.rfc4514_string() for cert in ca.certificates()]}


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
