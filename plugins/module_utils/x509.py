# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate logic for the fleet's own CA, in plain Python.

Every decision the modules report (make a key, reissue a certificate, and why) is taken
here, so unit tests can check it without Ansible. Works with cryptography 38 (Debian 12)
and newer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import datetime
import ipaddress
import re
import traceback

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index
from ansible_collections.auditlog.fleet.plugins.module_utils import names as name_rules

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

KEY_TYPES = ("ecdsa-p256", "rsa-3072", "rsa-4096")
USAGES = ("server", "client")


def _extended_key_usage(usage):
    # A central server may forward its own events to the other servers, as a client.
    return {
        "server": [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        "client": [ExtendedKeyUsageOID.CLIENT_AUTH],
    }[usage]


RenewalPolicy = collections.namedtuple("RenewalPolicy", "validity_days renew_before_days renew_before_percent")


# A freshly issued certificate is back-dated a little so that hosts whose clocks lag
# the CA's by a few minutes still accept it.
BACKDATE = datetime.timedelta(minutes=5)


class CertificateError(Exception):
    """Input that cannot be turned into a valid key, request or certificate."""


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def not_valid_after(cert):
    # not_valid_after_utc arrived in cryptography 42; Debian 12 ships 38.
    value = getattr(cert, "not_valid_after_utc", None)
    if value is None:
        value = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def not_valid_before(cert):
    value = getattr(cert, "not_valid_before_utc", None)
    if value is None:
        value = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    return value


def generate_private_key(key_type):
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type in ("rsa-3072", "rsa-4096"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    raise CertificateError("unknown key type %r; choose one of %s" % (key_type, ", ".join(KEY_TYPES)))


def key_type_of(key):
    """The KEY_TYPES name of a private or public key, or None for any other key."""
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)) and key.curve.name == "secp256r1":
        return "ecdsa-p256"
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)) and key.key_size in (3072, 4096):
        return "rsa-%d" % key.key_size
    return None


def private_key_to_pem(key, passphrase=None):
    encryption = (serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=encryption,
    )


def is_encrypted_pem(pem):
    return b"ENCRYPTED" in pem.split(b"\n", 1)[0]


def load_private_key(pem, path="private key", passphrase=None):
    encrypted = is_encrypted_pem(pem)
    if encrypted and not passphrase:
        raise CertificateError("%s is protected by a passphrase, and none was given" % path)
    try:
        return serialization.load_pem_private_key(
            pem, password=passphrase.encode("utf-8") if (encrypted and passphrase) else None)
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise CertificateError("the passphrase for %s is wrong" % path)
        raise CertificateError("%s is not a readable PEM private key: %s" % (path, exc))


def _pem_bytes(pem, what, kind):
    """A host sends these: anything but ASCII text is refused, not trusted to the parser."""
    try:
        return pem.encode("ascii") if isinstance(pem, str) else bytes(pem)
    except (UnicodeEncodeError, TypeError):
        raise CertificateError("%s is not a PEM %s" % (what, kind))


def load_certificate(pem, what="certificate"):
    try:
        return x509.load_pem_x509_certificate(_pem_bytes(pem, what, "certificate"))
    except ValueError as exc:
        raise CertificateError("%s is not a PEM certificate: %s" % (what, exc))


def load_csr(pem, what="certificate request"):
    try:
        csr = x509.load_pem_x509_csr(_pem_bytes(pem, what, "certificate request"))
        signature_valid = csr.is_signature_valid
    except ValueError as exc:
        raise CertificateError("%s is not a PEM certificate request: %s" % (what, exc))
    if not signature_valid:
        raise CertificateError("%s has an invalid signature" % what)
    return csr


def certificate_to_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def crl_to_pem(crl):
    return crl.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr_to_pem(csr):
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _public_der(public_key):
    return public_key.public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def signed_by(cert, ca_cert):
    """Whether the CA key of ``ca_cert`` made the signature on ``cert``.

    A host's "current certificate" comes from the host: its issuer name and key identifier
    are only what the host wrote, while the signature is something only the CA can make.
    """
    public_key = ca_cert.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                              cert.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def same_public_key(a, b):
    return _public_der(a) == _public_der(b)


def _signature_hash(key):
    return hashes.SHA256() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA384()


def _subject(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def ca_key_id(ca_cert_or_key):
    """The hexadecimal key identifier of a CA (of its certificate or its private key)."""
    return x509.SubjectKeyIdentifier.from_public_key(ca_cert_or_key.public_key()).digest.hex()


def _ca_subject(common_name, key):
    # Two generations of the CA are trusted side by side during a rotation. Each gets a
    # name of its own, so that no TLS library has to tell them apart by key identifier
    # when it looks up an issuer or a CRL.
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, ca_key_id(key)[:16]),
    ])


def common_name_of(name):
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return values[0].value if values else None


def _key_usage(signs_certificates, rsa_key):
    # TLS with an RSA key may still use RSA key exchange; EC keys only sign.
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=rsa_key,
        data_encipherment=False, key_agreement=False, key_cert_sign=signs_certificates,
        crl_sign=signs_certificates, encipher_only=False, decipher_only=False,
    )


# --- the CA ------------------------------------------------------------------------

def build_ca_certificate(key, common_name, validity_days, now=None):
    now = now or utcnow()
    public_key = key.public_key()
    subject = _ca_subject(common_name, key)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True, rsa_key=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, _signature_hash(key))
    )


def ca_certificate_problem(cert, key, common_name, now=None):
    """Why the existing CA certificate cannot stay, or None when it can."""
    now = now or utcnow()
    if not same_public_key(cert.public_key(), key.public_key()):
        return "the CA certificate does not belong to the CA private key"
    if common_name_of(cert.subject) != common_name:
        return "the CA common name changed to %r" % common_name
    if not_valid_after(cert) <= now:
        return "the CA certificate expired on %s" % not_valid_after(cert).isoformat()
    return None


# --- a host's key and request ------------------------------------------------------------

def certificate_names(names):
    """The names a host certificate carries, checked: its subject's CN is the first.

    Each must be an LDH DNS name or an IP address (see names.py); duplicates are dropped,
    the order kept.
    """
    checked, seen = [], set()
    for name in names:
        name = str(name)
        problem = name_rules.name_problem(name)
        if problem:
            raise CertificateError(problem)
        if name_rules.canonical(name) not in seen:
            seen.add(name_rules.canonical(name))
            checked.append(name)
    if not checked:
        raise CertificateError("a host certificate needs at least one name")
    return checked


def _general_names(names):
    return [x509.IPAddress(ipaddress.ip_address(n)) if name_rules.is_ip_address(n) else x509.DNSName(n)
            for n in names]


def build_csr(key, names):
    """A request whose subject is the first name and whose SANs are all of them."""
    names = certificate_names(names)
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_subject(names[0]))
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .sign(key, _signature_hash(key))
    )


def names_in(cert_or_csr):
    """The DNS and IP SANs of a certificate or request as comparable strings."""
    try:
        san = cert_or_csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n) for n in san.get_values_for_type(x509.DNSName)] + [
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    ]


def _identity_problem(cert_or_csr, names, what):
    """Why the subject or SANs of ``cert_or_csr`` are not exactly ``names``, or None."""
    wanted = _subject(names[0])
    if cert_or_csr.subject != wanted:
        return "%s has the subject %s, not %s" % (what, cert_or_csr.subject.rfc4514_string(), wanted.rfc4514_string())
    try:
        san = cert_or_csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "%s has no subject alternative names" % what
    others = [n for n in san if not isinstance(n, (x509.DNSName, x509.IPAddress))]
    if others:
        return "%s has subject alternative names of other types (%s)" % (
            what, ", ".join(type(n).__name__ for n in others))
    if sorted(name_rules.canonical(n) for n in names_in(cert_or_csr)) != sorted(name_rules.canonical(n) for n in names):
        return "%s names %s, not %s" % (what, ", ".join(names_in(cert_or_csr)), ", ".join(names))
    return None


def request_problem(csr, names):
    """Why the CA signs nothing for this request, or None.

    The CA decides a host's names; a request that asks for any other subject, names or
    extensions is refused rather than corrected, since only a changed host would send one.
    """
    extras = [e.oid.dotted_string for e in csr.extensions if not isinstance(e.value, x509.SubjectAlternativeName)]
    if extras:
        return "the request asks for extensions the CA does not grant (%s)" % ", ".join(extras)
    return _identity_problem(csr, names, "the request")


# --- signing -----------------------------------------------------------------------

def reissue_reason(current, csr, ca_cert, usage, policy, names, now=None, is_revoked=lambda serial: False,
                   identities=()):
    """Why the host needs a new certificate, or None when its current one is still right."""
    now = now or utcnow()
    if current is None:
        return "the host has no certificate"
    if current.issuer != ca_cert.subject:
        return "the certificate was issued by another CA"
    try:
        aki = current.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = x509.SubjectKeyIdentifier.from_public_key(ca_cert.public_key())
        if aki.key_identifier != ski.digest:
            return "the certificate was issued by another CA key"
    except x509.ExtensionNotFound:
        return "the certificate names no issuing key"
    if not signed_by(current, ca_cert):
        return "the certificate's signature is not the CA's"
    if is_revoked(current.serial_number):
        return "the certificate was revoked"
    if not same_public_key(current.public_key(), csr.public_key()):
        return "the host key changed"
    if _identity_problem(current, names + list(identities), "the certificate"):
        if _identity_problem(current, names + [n for n in names_in(current) if name_rules.is_identity_name(n)],
                             "the certificate"):
            return "the host names changed"
        return "the host's identity changed"
    if _usage_of(current) != usage:
        return "the certificate usage changed to %s" % usage
    remaining = not_valid_after(current) - now
    if remaining <= datetime.timedelta(days=policy.renew_before_days):
        return "the certificate expires in %d days" % max(remaining.days, 0)
    lifetime = not_valid_after(current) - not_valid_before(current)
    if remaining.total_seconds() * 100 < lifetime.total_seconds() * policy.renew_before_percent:
        return "less than %d%% of the certificate's validity is left" % policy.renew_before_percent
    return None


def _usage_of(cert):
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    for usage in USAGES:
        if list(eku) == _extended_key_usage(usage):
            return usage
    return None


def sign_csr(csr, ca_cert, ca_key, usage, validity_days, names, now=None, serial=None, authority_key_id=None,
             identities=()):
    """A certificate for the key in ``csr`` with the ``names`` the CA decided (not the request's),
    followed by the host's ``identities`` (see ca_index.py)."""
    if usage not in USAGES:
        raise CertificateError("unknown usage %r; choose one of %s" % (usage, ", ".join(USAGES)))
    names = certificate_names(names)
    now = now or utcnow()
    if not_valid_after(ca_cert) <= now:
        raise CertificateError("the CA certificate expired on %s" % not_valid_after(ca_cert).isoformat())
    public_key = csr.public_key()
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    not_after = min(now + datetime.timedelta(days=validity_days), not_valid_after(ca_cert))
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False, rsa_key=is_rsa), critical=True)
        .add_extension(x509.ExtendedKeyUsage(_extended_key_usage(usage)), critical=False)
        .add_extension(x509.SubjectAlternativeName(_general_names(names + list(identities))), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            authority_key_id or x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
        .sign(ca_key, _signature_hash(ca_key))
    )


def iso(moment):
    """A UTC time as the index stores it; such strings sort in time order."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_serial(taken):
    serial = x509.random_serial_number()
    while serial in taken:
        serial = x509.random_serial_number()
    return serial


def _decided_names(request):
    """The names the controller decided for a request's host: its own name first."""
    return certificate_names([request["name"]] + list(request.get("names") or []))


def sign_requests(requests, ca_cert, ca_key, policy, index, now=None):
    """Decide and sign for a batch of hosts, recording what is issued in ``index``.

    ``requests`` is a list of dicts with ``name`` (the host's inventory name, its
    certificate's CN), ``names`` (further names the controller gives it), ``csr`` (PEM),
    ``usage`` and an optional ``certificate`` (the host's current PEM). The host decides
    nothing but its key: the request must ask for exactly these names. Returns
    ``(certificates, reasons, refused)``: the PEM every host should have, why each
    reissued host got a new one, and why a host got nothing. A host's request or
    certificate that cannot be read refuses that host alone.
    """
    now = now or utcnow()
    certificates, reasons, refused = {}, {}, {}
    seen = set()
    for request in requests:
        if request["name"] in seen:
            raise CertificateError("host %s appears twice in the requests" % request["name"])
        seen.add(request["name"])
    holders = _batch_name_holders(requests, index)
    signer = _Signer(ca_cert, ca_key, policy, index, now)
    for request in requests:
        name = request["name"]
        outcome = signer.decide(request, holders)
        if outcome[0] == "refused":
            refused[name] = outcome[1]
            continue
        certificates[name] = outcome[1]
        if outcome[0] == "issued":
            reasons[name] = outcome[2]
    return certificates, reasons, refused


def carried_identity(request, ca_cert, index, now=None):
    """The identity tokens in a host's current certificate, if the index may take them from it:
    it is the CA's, for this host, unexpired, and not revoked or superseded as far as the index
    knows (after a rebuild the index knows every serial the CRL listed)."""
    if not request.get("certificate"):
        return []
    try:
        current = load_certificate(request["certificate"])
        ours = current.issuer == ca_cert.subject and signed_by(current, ca_cert)
    except (CertificateError, ValueError):
        return []
    entry = index.entry(current.serial_number)
    if (not ours or common_name_of(current.subject) != request["name"] or not_valid_after(current) <= (now or utcnow())
            or (entry is not None and entry["status"] != ca_index.VALID)):
        return []
    return ca_index.identity_tokens(request["name"], names_in(current))


def _batch_name_holders(requests, index):
    """Who may have each name: its holder in the index, else the batch host the inventory names
    so, else the first batch host given it; a revoked host keeps its names until freed."""
    holders = index.name_holders()
    for request in requests:
        holders.setdefault(name_rules.canonical(request["name"]), request["name"])
    for request in requests:
        try:
            decided = _decided_names(request)
        except CertificateError:
            continue
        for certificate_name in decided:
            holders.setdefault(name_rules.canonical(certificate_name), request["name"])
    return holders


class _Signer:
    """Signs one request at a time for ``sign_requests``."""

    def __init__(self, ca_cert, ca_key, policy, index, now):
        self.ca_cert, self.ca_key, self.policy, self.index, self.now = ca_cert, ca_key, policy, index, now
        self.taken = index.serials()
        self.authority_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
        self.ca_id = ca_key_id(ca_cert)
        self.revoked_keys = index.revoked_keys()

    @staticmethod
    def _read_host_input(request, names):
        """The host's request and current certificate, and what is wrong with the request."""
        name = request["name"]
        csr = load_csr(request["csr"], "the request of %s" % name)
        if key_type_of(csr.public_key()) is None:
            raise CertificateError("the request is for a key of a type the CA does not sign (only %s)" % (
                ", ".join(KEY_TYPES)))
        current = None
        if request.get("certificate"):
            current = load_certificate(request["certificate"], "the current certificate of %s" % name)
        return csr, current, request_problem(csr, names)

    def decide(self, request, holders):
        """("refused", why), ("kept", pem) or ("issued", pem, why) for one host."""
        name, index = request["name"], self.index
        if name in index.revoked_hosts:
            return ("refused", "%s was revoked on %s (%s)" % (
                name, index.revoked_hosts[name]["revoked_at"], index.revoked_hosts[name]["reason"]))
        try:
            names = _decided_names(request)
        except CertificateError as exc:
            return ("refused", "the names the inventory gives %s are not allowed: %s" % (name, exc))
        try:
            csr, current, problem = self._read_host_input(request, names)
        except (CertificateError, ValueError) as exc:
            # cryptography parses extensions lazily and says ValueError for a malformed one.
            return ("refused", "%s (of %s)" % (exc, name))
        if problem:
            return ("refused", "%s (of %s): the CA decides a host's names and signs nothing else" % (problem, name))
        key = ca_index.key_digest(_public_der(csr.public_key()))
        revoked_serial = self.revoked_keys.get(key)
        if revoked_serial:
            return ("refused", "the request of %s is for the key of certificate %s, which was revoked: the CA "
                    "certifies no revoked key again; give the host a new key (syslog_ca_host_rotate_key=true, "
                    "which playbooks/revoke.yml sets)" % (name, revoked_serial))
        identities = index.identity_names(name)
        taken_names = ["%s (held by %s)" % (n, holders[name_rules.canonical(n)]) for n in names
                       if holders.get(name_rules.canonical(n), name) != name]
        if taken_names:
            return ("refused", "the names of %s include %s" % (name, ", ".join(taken_names)))
        try:
            reason = reissue_reason(current, csr, self.ca_cert, request["usage"], self.policy, names, self.now,
                                    index.is_revoked, identities)
        except ValueError as exc:
            return ("refused", "the current certificate of %s cannot be read: %s" % (name, exc))
        # Only after the index was rebuilt (docs/ca.md): the CRL must list it once replaced.
        unrecorded = (current is not None and index.entry(current.serial_number) is None
                      and current.issuer == self.ca_cert.subject and signed_by(current, self.ca_cert))
        if unrecorded and reason is None:
            reason = "the CA index has no record of the certificate"
        if reason is None:
            return ("kept", request["certificate"])
        serial = new_serial(self.taken)
        self.taken.add(serial)
        cert = sign_csr(csr, self.ca_cert, self.ca_key, request["usage"], self.policy.validity_days, names, self.now,
                        serial, self.authority_key_id, identities)
        if unrecorded:
            index.record(name, current.serial_number, current.subject.rfc4514_string(), names_in(current),
                         _usage_of(current), iso(not_valid_before(current)), iso(not_valid_after(current)),
                         self.ca_id, ca_index.key_digest(_public_der(current.public_key())))
        index.record(name, serial, cert.subject.rfc4514_string(), names + identities, request["usage"],
                     iso(not_valid_before(cert)), iso(not_valid_after(cert)), self.ca_id, key)
        return ("issued", certificate_to_pem(cert), reason)


# --- revocation ----------------------------------------------------------------------

def build_crl(ca_cert, ca_key, withdrawn, validity_days, now=None, number=1):
    """A CRL listing the ``withdrawn`` index entries, valid for ``validity_days``.

    ``number`` is its CRLNumber, which grows with each CRL a CA publishes (RFC 5280).
    """
    now = now or utcnow()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for entry in sorted(withdrawn, key=lambda e: int(e["serial"], 16)):
        reason = x509.ReasonFlags.superseded if entry["status"] == "superseded" else x509.ReasonFlags.unspecified
        revoked_at = datetime.datetime.strptime(
            entry.get("revoked_at") or entry["not_before"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(entry["serial"], 16))
            .revocation_date(revoked_at)
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
        )
    return builder.sign(ca_key, _signature_hash(ca_key))


_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----\s*", re.DOTALL)


def build_crl_bundle(authorities, validity_days, now=None, number=1):
    """One PEM file with a CRL for each ``(ca_cert, ca_key, withdrawn)``, in that order.

    During a CA rotation the hosts trust two CAs; each publishes its own CRL.
    """
    return "".join(crl_to_pem(build_crl(cert, key, withdrawn, validity_days, now, number))
                   for cert, key, withdrawn in authorities)


def read_crl_bundle(pem):
    """The CRLs of a CRL file, or None when it has none or one cannot be read."""
    try:
        crls = [x509.load_pem_x509_crl(block) for block in _PEM_CRL.findall(pem or b"")]
    except ValueError:
        return None
    return crls or None


def crl_number_of(crl):
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def crl_revocations(crl):
    """``{serial: revocation time}`` of a CRL."""
    return {r.serial_number: getattr(r, "revocation_date_utc", None)
            or r.revocation_date.replace(tzinfo=datetime.timezone.utc) for r in crl}


def crl_bundle_problem(current_pem, authorities, now=None):
    """Why the CRL file must be rewritten for ``(ca_cert, ca_key, withdrawn)``, or None."""
    if current_pem is None:
        return "there is no CRL"
    blocks = _PEM_CRL.findall(current_pem)
    if len(blocks) != len(authorities):
        return "the CRL file holds %d CRLs for %d CAs" % (len(blocks), len(authorities))
    for block, (cert, _key, withdrawn) in zip(blocks, authorities):
        problem = crl_problem(block, cert, withdrawn, now)
        if problem is not None:
            return problem
    return None


def crl_problem(current_pem, ca_cert, withdrawn, now=None):
    """Why the CRL must be rewritten, or None when it still lists the right certificates."""
    now = now or utcnow()
    if current_pem is None:
        return "there is no CRL"
    try:
        crl = x509.load_pem_x509_crl(current_pem)
    except ValueError:
        return "the CRL cannot be read"
    if crl.issuer != ca_cert.subject or not crl.is_signature_valid(ca_cert.public_key()):
        return "the CRL was not signed by this CA"
    if sorted(r.serial_number for r in crl) != sorted(int(e["serial"], 16) for e in withdrawn):
        return "the revoked certificates changed"
    if crl_number_of(crl) is None:
        return "the CRL has no CRL number"
    last = getattr(crl, "last_update_utc", None) or crl.last_update.replace(tzinfo=datetime.timezone.utc)
    following = getattr(crl, "next_update_utc", None) or crl.next_update.replace(tzinfo=datetime.timezone.utc)
    if now >= last + (following - last) / 2:
        return "the CRL is past half its validity"
    return None
