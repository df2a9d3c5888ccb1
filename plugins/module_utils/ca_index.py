# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA's issuance index: every certificate it signed, and what became of it.

Kept as JSON on the CA host. A host's new certificate supersedes its previous one; a
revoked host gets no new certificate until it is taken off the revoked list.

Every host also has an identity: a name only the CA hands out, which its certificates carry
and which its peers permit instead of its inventory name. Revoking any of a host's
certificates gives it a new identity, so a revoked certificate carries a name no peer
permits any more; that works where no CRL is read (rsyslog 8.2302's GnuTLS driver, librelp).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import secrets

from ansible_collections.auditlog.fleet.plugins.module_utils import names as name_rules

VALID = "valid"
SUPERSEDED = "superseded"
REVOKED = "revoked"
FORMAT_VERSION = 1


STATUSES = (VALID, SUPERSEDED, REVOKED)
# The host of a serial that a rebuilt index knows only from the CRL.
UNKNOWN_HOST = "(unknown, recovered from the CRL)"
# What every certificate entry holds, and of which type; revoked entries also say when and why.
_ENTRY_FIELDS = {"serial": str, "name": str, "subject": str, "names": list, "usage": (str, type(None)),
                 "not_before": str, "not_after": str, "status": str}
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
_SERIAL = re.compile(r"^[0-9a-f]{1,40}\Z")
_KEY_DIGEST = re.compile(r"^[0-9a-f]{64}\Z")
_TOKEN = re.compile(r"^[0-9a-f]{16}\Z")
# The host's own name leads its identity, for the people who read the permitted peers: at
# most 46 characters of it, so that with the token the label stays within 63.
_SLUG_LENGTH = 46


class CAIndexError(Exception):
    """A request the index cannot honour (unknown serial, unreadable file)."""


def _entry_problem(entry):
    if not isinstance(entry, dict):
        return "is not an object"
    for field, kind in _ENTRY_FIELDS.items():
        if not isinstance(entry.get(field), kind):
            return "has no valid %r" % field
    if not _SERIAL.match(entry["serial"]):
        return "has the serial %r, not lower-case hexadecimal" % entry["serial"]
    if entry["status"] not in STATUSES:
        return "has the unknown status %r" % entry["status"]
    if not all(isinstance(n, str) for n in entry["names"]):
        return "has a name that is not a string"
    if "key" in entry and not (isinstance(entry["key"], str) and _KEY_DIGEST.match(entry["key"])):
        return "has the key digest %r, not 64 lower-case hexadecimal digits" % (entry["key"],)
    for field in ("not_before", "not_after") + (("revoked_at",) if entry["status"] == REVOKED else ()):
        if not isinstance(entry.get(field), str) or not _TIME.match(entry[field]):
            return "has no valid %r (a time such as 2026-01-31T12:00:00Z)" % field
    return None


def _identity_problem(identity):
    if not isinstance(identity, dict) or not set(identity) <= {"current", "previous"}:
        return "is not an object with 'current' and, optionally, 'previous'"
    if not all(isinstance(token, str) and _TOKEN.match(token) for token in identity.values()) or "current" not in identity:
        return "has a token that is not 16 lower-case hexadecimal digits"
    return None


def key_digest(public_der):
    """How the index records a certificate's key: SHA-256 of its DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_der).hexdigest()


def _slug(host):
    return re.sub(r"[^a-z0-9-]", "-", host.lower())[:_SLUG_LENGTH].strip("-") or "host"


def identity_name(host, token):
    """The name a certificate of ``host`` carries for the identity ``token``."""
    return "%s-%s.%s" % (_slug(host), token, name_rules.IDENTITY_DOMAIN)


def identity_tokens(host, names):
    """The tokens of the identities of ``host`` among a certificate's ``names``, in their order."""
    pattern = re.compile(r"%s-([0-9a-f]{16})\.%s\Z" % (re.escape(_slug(host)), re.escape(name_rules.IDENTITY_DOMAIN)))
    matches = [pattern.match(name.lower()) for name in names]
    return [match.group(1) for match in matches if match]


class Index:
    """The index in memory. ``crl_number`` is the number of the last CRL published (RFC 5280)."""

    def __init__(self, certificates=None, revoked_hosts=None, crl_number=0, identities=None):
        self.certificates = certificates or []
        self.revoked_hosts = revoked_hosts or {}
        self.crl_number = crl_number
        # host -> {"current": token, "previous": token}: see the module's docstring.
        self.identities = identities or {}
        self._valid = None
        self._reissue = set()

    @classmethod
    def from_json(cls, text, path="the CA index"):
        """Read an index; anything but a well-formed one is an error, never a new, empty index.

        A CA that took a lost or damaged index for a new one would sign revoked hosts again
        and publish a CRL without their certificates.
        """
        if not text or not text.strip():
            raise CAIndexError("%s is empty" % path)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CAIndexError("%s is not valid JSON: %s" % (path, exc))
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise CAIndexError("%s has format version %r, expected %d" % (
                path, data.get("version") if isinstance(data, dict) else None, FORMAT_VERSION))
        certificates = data.get("certificates")
        revoked_hosts = data.get("revoked_hosts")
        crl_number = data.get("crl_number", 0)
        identities = data.get("identities", {})
        if not isinstance(certificates, list) or not isinstance(revoked_hosts, dict):
            raise CAIndexError("%s has no list of certificates or no table of revoked hosts" % path)
        if not isinstance(crl_number, int) or isinstance(crl_number, bool) or crl_number < 0:
            raise CAIndexError("%s has the CRL number %r, not a whole number" % (path, crl_number))
        for position, entry in enumerate(certificates):
            problem = _entry_problem(entry)
            if problem:
                raise CAIndexError("%s: certificate entry %d %s" % (path, position + 1, problem))
        for host, revocation in revoked_hosts.items():
            if not isinstance(revocation, dict) or not all(isinstance(revocation.get(f), str)
                                                           for f in ("revoked_at", "reason")):
                raise CAIndexError("%s: the revocation of host %r has no 'revoked_at' and 'reason'" % (path, host))
        serials = [entry["serial"] for entry in certificates]
        if len(set(serials)) != len(serials):
            raise CAIndexError("%s lists a serial twice" % path)
        if not isinstance(identities, dict):
            raise CAIndexError("%s has no table of identities" % path)
        for host, identity in identities.items():
            problem = _identity_problem(identity)
            if problem:
                raise CAIndexError("%s: the identity of host %r %s" % (path, host, problem))
        return cls(certificates, revoked_hosts, crl_number, identities)

    def to_json(self):
        data = {"version": FORMAT_VERSION, "certificates": self.certificates, "revoked_hosts": self.revoked_hosts,
                "crl_number": self.crl_number, "identities": self.identities}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def serials(self):
        return set(int(entry["serial"], 16) for entry in self.certificates)

    def entry(self, serial):
        wanted = "%x" % serial
        for entry in self.certificates:
            if entry["serial"] == wanted:
                return entry
        return None

    def is_revoked(self, serial):
        entry = self.entry(serial)
        return entry is not None and entry["status"] == REVOKED

    def _valid_by_name(self):
        # Built once and kept up to date, so recording a batch stays linear in its size.
        if self._valid is None:
            self._valid = {}
            for entry in self.certificates:
                if entry["status"] == VALID:
                    self._valid.setdefault(entry["name"], []).append(entry)
        return self._valid

    def record(self, name, serial, subject, names, usage, not_before, not_after, ca, key=None):
        """Add a newly issued certificate; the host's earlier valid ones are superseded.

        ``ca`` is the key identifier of the issuing CA, ``key`` the certificate's key digest.
        """
        valid = self._valid_by_name()
        for entry in valid.pop(name, []):
            entry["status"] = SUPERSEDED
        entry = {
            "serial": "%x" % serial, "name": name, "subject": subject, "names": list(names),
            "usage": usage, "not_before": not_before, "not_after": not_after, "status": VALID, "ca": ca,
        }
        if key:
            entry["key"] = key
        self.certificates.append(entry)
        valid[name] = [entry]

    def assign_issuer(self, ca):
        """Record ``ca`` as the issuer of the certificates listed before issuers were recorded.

        Until the first CA rotation there is one CA, so that is who issued them.
        Returns True if this changed the index.
        """
        unassigned = [entry for entry in self.certificates if not entry.get("ca")]
        for entry in unassigned:
            entry["ca"] = ca
        return bool(unassigned)

    def holders_of_valid_certificates(self, ca):
        """The hosts that hold a valid certificate issued by the CA ``ca``."""
        return sorted(set(entry["name"] for entry in self.certificates
                          if entry["status"] == VALID and entry.get("ca") == ca))

    def name_holders(self):
        """Each certificate name (in its canonical form) mapped to the host it belongs to.

        A name belongs to the host whose valid certificate carries it, and every name a
        revoked host ever had stays its own until the host is taken off the revoked list.
        """
        holders = {}
        for name, entries in self._valid_by_name().items():
            for entry in entries:
                for certificate_name in entry["names"]:
                    holders.setdefault(name_rules.canonical(certificate_name), name)
        for entry in self.certificates:
            if entry["name"] in self.revoked_hosts:
                for certificate_name in [entry["name"]] + entry["names"]:
                    holders.setdefault(name_rules.canonical(certificate_name), entry["name"])
        for host in self.revoked_hosts:
            holders.setdefault(name_rules.canonical(host), host)
        return holders

    def identity_names(self, host):
        """The identity names a new certificate of ``host`` carries: the current one first, then
        the previous one, which peers not yet told of the new identity still permit."""
        identity = self.identities.get(host, {})
        return [identity_name(host, identity[which]) for which in ("current", "previous") if which in identity]

    def identity(self, host):
        """The one identity name peers permit for ``host`` (None before it has one)."""
        names = self.identity_names(host)
        return names[0] if names else None

    def permitted_names(self, hosts):
        """For each of ``hosts``, the names a peer permits: its identity, and its inventory name
        too while its newest certificate is valid and older than identities.

        So a fleet upgraded to identities keeps delivering until each host has a certificate
        with one. Never a revoked host, nor one of whose certificates the index records as
        revoked. A host without a certificate yet needs no more: its first one carries the
        identity its peers were told of.
        """
        newest, with_revocation = {}, set(self.revoked_hosts)
        for entry in self.certificates:
            newest[entry["name"]] = entry
            if entry["status"] == REVOKED:
                with_revocation.add(entry["name"])
        permitted = {}
        for host in hosts:
            names = [self.identity(host)] if host in self.identities else []
            entry = newest.get(host)
            legacy = entry is not None and entry["status"] == VALID and not any(
                name_rules.is_identity_name(name) for name in entry["names"])
            if legacy and host not in with_revocation:
                names.append(host)
            permitted[host] = names
        return permitted

    def adopt_identity(self, host, tokens):
        """Take ``host``'s identity from its current certificate when the index has none (after a
        rebuild), so that its peers keep permitting it; never a revoked host's. Returns True if
        this changed the index."""
        if host in self.identities or host in self.revoked_hosts or not tokens:
            return False
        self.identities[host] = {"current": tokens[0]}
        if len(tokens) > 1:
            self.identities[host]["previous"] = tokens[1]
        return True

    def ensure_identity(self, host):
        """Give ``host`` an identity if it has none. Returns True if this changed the index."""
        if host in self.identities:
            return False
        self.identities[host] = {"current": secrets.token_hex(8)}
        return True

    def _new_identity(self, host):
        previous = self.identities.get(host, {}).get("current")
        self.identities[host] = {"current": secrets.token_hex(8)}
        if previous:
            self.identities[host]["previous"] = previous

    def revoked_keys(self):
        """The key digests of revoked certificates, each with its serial: never to be certified again."""
        return dict((entry["key"], entry["serial"]) for entry in self.certificates
                    if entry["status"] == REVOKED and entry.get("key"))

    def revoke_serial(self, serial, reason, when):
        """Revoke one certificate, and give its host a new identity.

        The host's other certificates carry the identity too; it gets a new certificate with
        the new one (see hosts_to_reissue). Returns True if this changed the index.
        """
        entry = self.entry(serial)
        if entry is None:
            raise CAIndexError("serial %x was not issued by this CA" % serial)
        if entry["status"] == REVOKED:
            return False
        entry.update(status=REVOKED, revoked_at=when, revocation_reason=reason)
        # Once per host and run, however many of its serials are revoked: its new certificate
        # carries the identity its peers permit until they are told of the new one.
        if entry["name"] not in self._reissue and entry["name"] != UNKNOWN_HOST:
            self._new_identity(entry["name"])
            self._reissue.add(entry["name"])
        self._valid = None
        return True

    def revoke_host(self, name, reason, when):
        """Revoke every unexpired certificate of a host, refuse it new ones and retire its identity."""
        changed = name not in self.revoked_hosts
        self.revoked_hosts.setdefault(name, {"revoked_at": when, "reason": reason})
        for entry in self.certificates:
            if entry["name"] == name and entry["status"] != REVOKED:
                entry.update(status=REVOKED, revoked_at=when, revocation_reason=reason)
                changed = True
        if changed:
            # Both of its names, so that no certificate it ever had carries a permitted one.
            self._new_identity(name)
            self._new_identity(name)
        self._valid = None
        return changed

    def unrevoke_host(self, name):
        """Let a host have certificates again (its revoked certificates stay revoked)."""
        return self.revoked_hosts.pop(name, None) is not None

    def hosts_to_reissue(self):
        """Hosts that are not revoked but need a new certificate now: their newest one is
        revoked, or carries an identity but not the current one (one of their certificates
        was revoked, in this run or in one that stopped before the host got its new one)."""
        newest = {}
        for entry in self.certificates:
            newest[entry["name"]] = entry
        stale = set(name for name, entry in newest.items() if entry["status"] == REVOKED or (
            self.identity(name) not in entry["names"] and any(name_rules.is_identity_name(n) for n in entry["names"])))
        return sorted(stale.union(self._reissue).difference(self.revoked_hosts).difference([UNKNOWN_HOST]))

    def withdrawn(self, now_iso, ca):
        """Certificates the CRL of CA ``ca`` must list: revoked or superseded, not yet expired."""
        return [entry for entry in self.certificates
                if entry["status"] in (REVOKED, SUPERSEDED) and entry["not_after"] > now_iso
                and entry.get("ca") == ca]
