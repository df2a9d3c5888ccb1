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

VALID = "valid"
SUPERSEDED = "superseded"
REVOKED = "revoked"
FORMAT_VERSION = 1


class CAIndexError(Exception):
    """A request the index cannot honour (unknown serial, unreadable file)."""


class Index:
    def __init__(self, certificates=None, revoked_hosts=None):
        self.certificates = certificates or []
        self.revoked_hosts = revoked_hosts or {}
        self._valid = None

    @classmethod
    def from_json(cls, text, path="the CA index"):
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CAIndexError("%s is not valid JSON: %s" % (path, exc))
        if data.get("version") != FORMAT_VERSION:
            raise CAIndexError("%s has format version %r, expected %d" % (path, data.get("version"), FORMAT_VERSION))
        return cls(data.get("certificates"), data.get("revoked_hosts"))

    def to_json(self):
        data = {"version": FORMAT_VERSION, "certificates": self.certificates, "revoked_hosts": self.revoked_hosts}
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
        """Each certificate name mapped to the host whose valid certificate carries it."""
        holders = {}
        for name, entries in self._valid_by_name().items():
            for entry in entries:
                for certificate_name in entry["names"]:
                    holders.setdefault(certificate_name.lower(), name)
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
