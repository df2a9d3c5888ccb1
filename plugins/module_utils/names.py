# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which host names may appear in a certificate or a generated file.

A certificate name is what TLS and RELP peers trust, and gtls, ossl and librelp each match
it their own way (wildcards, the CN as a fallback, names compared as strings). Only two
forms are allowed, so that every endpoint reads a name the same way: an LDH DNS name
(letters, digits and hyphens in dot-separated labels, RFC 1123) and an IP address.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
MAX_DNS_NAME = 253
# The CA's identity names (ca_index.py) live under a name RFC 6761 reserves and no DNS
# resolves; no host may be given one.
IDENTITY_DOMAIN = "auditlog.invalid"


def name_problem(name):
    """Why ``name`` is not an LDH DNS name or an IP address, or None when it is one."""
    if not isinstance(name, str) or not name:
        return "%r is not a name" % (name,)
    if "%" in name:
        return "%r has a scope; a certificate names an address without one" % name
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        if address.version == 6 and address.ipv4_mapped:
            return "%r is an IPv4 address written as IPv6; write it as %s" % (name, address.ipv4_mapped)
        return None
    if "*" in name:
        return "%r is a wildcard; a certificate names one host" % name
    if name.endswith("."):
        return "%r ends in a dot; write it without" % name
    if len(name) > MAX_DNS_NAME:
        return "%r is longer than a DNS name can be (%d)" % (name, MAX_DNS_NAME)
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return ("%r is not an LDH DNS name (labels of letters, digits and inner hyphens, 1 to 63 "
                "characters, separated by dots)" % name)
    if labels[-1].isdigit():
        # 010.0.0.1 or 3232235777: an address to inet_aton and to some TLS libraries, a name to others.
        return "%r ends in a label of digits only, which some read as an address" % name
    if is_identity_name(name):
        return "%r is under %s, where only the CA names hosts' identities" % (name, IDENTITY_DOMAIN)
    return None


def is_identity_name(name):
    return name.lower() == IDENTITY_DOMAIN or name.lower().endswith("." + IDENTITY_DOMAIN)


def is_ip_address(name):
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def canonical(name):
    """The form two names are compared in: DNS names ignore case, addresses their spelling."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def peer_hosts(peers, hosts, extra_names_of):
    """The inventory host each of ``peers`` names (itself, or the host with it among its extra
    certificate names, ``extra_names_of(host)``), or None for a name that is no host's."""
    by_name = dict((canonical(host), host) for host in hosts)
    if any(canonical(peer) not in by_name for peer in peers):
        # Only then every host's variables: in a fleet of thousands that is not free.
        for host in hosts:
            for name in extra_names_of(host) or []:
                by_name.setdefault(canonical(name), host)
    return dict((peer, by_name.get(canonical(peer))) for peer in peers)


# Letters, digits and . _ - between slashes, from the root: nothing a quote, a space, a
# variable or a line break could hide in, and no way up out of a directory.
_SAFE_PATH = re.compile(r"(/[A-Za-z0-9._-]+)+/?")


def path_problem(path):
    """Why ``path`` may not reach a generated file, or None."""
    if not isinstance(path, str) or not _SAFE_PATH.fullmatch(path):
        return "%r is not an absolute path of letters, digits, '.', '_' and '-' between slashes" % (path,)
    if any(part in (".", "..") for part in path.split("/")):
        return "%r has a '.' or '..' part" % path
    return None


# auditctl options that add rules and describe them; the others (-D, -e, -b, -f, -r, -d, -W,
# --backlog_wait_time, ...) delete rules or change how auditd works, which the baseline decides.
AUDIT_RULE_OPTIONS = ("-a", "-A", "-w", "-p", "-k", "-F", "-S", "-C")


def audit_rule_problem(rule):
    """Why ``rule`` is not one audit rule that only adds, or None."""
    if not isinstance(rule, str) or not rule.strip():
        return "%r is not a rule" % (rule,)
    if any(c in rule for c in "\r\n\x00") or any(ord(c) < 32 and c != "\t" for c in rule):
        return "%r is not one line" % rule
    words = rule.split()
    if words[0] not in ("-a", "-A", "-w"):
        return "%r does not begin with -a, -A or -w" % rule
    others = [w for w in words if w.startswith("-") and w not in AUDIT_RULE_OPTIONS]
    if others:
        return "%r uses %s; a rule may use only %s" % (rule, ", ".join(others), " ".join(AUDIT_RULE_OPTIONS))
    for option, value in zip(words, words[1:] + [""]):
        # A "never" rule, or one on the exclude list, ends the auditing of what it matches.
        stops = set(value.split(",")) & {"never", "exclude"} if option in ("-a", "-A") else ()
        if stops:
            return "%r uses %s, which stops auditing what it matches" % (rule, " and ".join(sorted(stops)))
    return None


# Every variable of the collection's roles and playbooks, the roles' own (__) ones included.
_COLLECTION_VARIABLE = re.compile(r"_*(syslog|auditlog)_")


def shadowing_facts(facts):
    """The names among a host's ``facts`` that would override a collection variable.

    Facts come from the host: with Ansible's default (inject_facts_as_vars) each one is also
    a variable, and a host variable that outranks inventory and role defaults.
    """
    return sorted(name for name in facts if isinstance(name, str) and _COLLECTION_VARIABLE.match(name))
