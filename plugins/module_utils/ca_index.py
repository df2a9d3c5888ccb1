# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CA's issuance index: every certificate it signed, and what became of it.

Kept as JSON on the CA host. A host's new certificate supersedes its previous one; a
revoked host gets no new certificate until it is taken off the revoked list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.auditlog.fleet.plugins.module_utils import names as name_rules

VALID = "valid"
SUPERSEDED = "superseded"
REVOKED = "revoked"
FORMAT_VERSION = 1


STATUSES = (VALID, SUPERSEDED, REVOKED)
# What every certificate entry holds, and of which type; revoked entries also say when and why.
_ENTRY_FIELDS = {"serial": str, "name": str, "subject": str, "names": list, "usage": (str, type(None)),
                 "not_before": str, "not_after": str, "status": str}
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
_SERIAL = re.compile(r"^[0-9a-f]{1,40}\Z")


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
    for field in ("not_before", "not_after") + (("revoked_at",) if entry["status"] == REVOKED else ()):
        if not isinstance(entry.get(field), str) or not _TIME.match(entry[field]):
            return "has no valid %r (a time such as 2026-01-31T12:00:00Z)" % field
    return None


class Index:
    """The index in memory. ``crl_number`` is the number of the last CRL published (RFC 5280)."""

    def __init__(self, certificates=None, revoked_hosts=None, crl_number=0):
        self.certificates = certificates or []
        self.revoked_hosts = revoked_hosts or {}
        self.crl_number = crl_number
        self._valid = None

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
        return cls(certificates, revoked_hosts, crl_number)

    def to_json(self):
        data = {"version": FORMAT_VERSION, "certificates": self.certificates, "revoked_hosts": self.revoked_hosts,
                "crl_number": self.crl_number}
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

    def record(self, name, serial, subject, names, usage, not_before, not_after, ca):
        """Add a newly issued certificate; the host's earlier valid ones are superseded.

        ``ca`` is the key identifier of the issuing CA.
        """
        valid = self._valid_by_name()
        for entry in valid.pop(name, []):
            entry["status"] = SUPERSEDED
        entry = {
            "serial": "%x" % serial, "name": name, "subject": subject, "names": list(names),
            "usage": usage, "not_before": not_before, "not_after": not_after, "status": VALID, "ca": ca,
        }
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

    def revoke_serial(self, serial, reason, when):
        """Revoke one certificate. Returns True if this changed the index."""
        entry = self.entry(serial)
        if entry is None:
            raise CAIndexError("serial %x was not issued by this CA" % serial)
        if entry["status"] == REVOKED:
            return False
        entry.update(status=REVOKED, revoked_at=when, revocation_reason=reason)
        self._valid = None
        return True

    def revoke_host(self, name, reason, when):
        """Revoke every unexpired certificate of a host and refuse it new ones."""
        changed = name not in self.revoked_hosts
        self.revoked_hosts.setdefault(name, {"revoked_at": when, "reason": reason})
        for entry in self.certificates:
            if entry["name"] == name and entry["status"] != REVOKED:
                entry.update(status=REVOKED, revoked_at=when, revocation_reason=reason)
                changed = True
        self._valid = None
        return changed

    def unrevoke_host(self, name):
        """Let a host have certificates again (its revoked certificates stay revoked)."""
        return self.revoked_hosts.pop(name, None) is not None

    def hosts_without_usable_certificate(self):
        """Hosts that are not revoked but whose newest certificate is: they need a new one."""
        newest = {}
        for entry in self.certificates:
            newest[entry["name"]] = entry
        return sorted(name for name, entry in newest.items()
                      if entry["status"] == REVOKED and name not in self.revoked_hosts)

    def withdrawn(self, now_iso, ca):
        """Certificates the CRL of CA ``ca`` must list: revoked or superseded, not yet expired."""
        return [entry for entry in self.certificates
                if entry["status"] in (REVOKED, SUPERSEDED) and entry["not_after"] > now_iso
                and entry.get("ca") == ca]
