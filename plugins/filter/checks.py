# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' checks of operator values that reach generated files (module_utils/names.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.auditlog.fleet.plugins.module_utils import names


def _problems(values, problem):
    return [p for p in (problem(v) for v in values) if p]


def path_problems(paths):
    """What is wrong with each of ``paths`` (a dict of variable name to path), as sentences."""
    return ["%s: %s" % (name, p) for name, path in sorted(paths.items()) for p in _problems([path], names.path_problem)]


def host_name_problems(host_names):
    return _problems(host_names, names.name_problem)


def audit_rule_problems(rules):
    return _problems(rules, names.audit_rule_problem)


def unknown_peers(peers, hosts, hostvars):
    """The ``peers`` that are neither one of ``hosts`` nor an extra certificate name of one.

    Peers are permitted by the identity of the host they name (docs/ca.md), so a name that is
    no host's would be a peer no certificate can ever be.
    """
    found = names.peer_hosts(peers, hosts, lambda host: hostvars[host].get("syslog_ca_host_extra_names"))
    return ["%s is a peer but no host of the inventory, nor an extra name of one (syslog_ca_host_extra_names)" % peer
            for peer in peers if found[peer] is None]


def shadowing_facts(facts):
    return names.shadowing_facts(facts or {})


class FilterModule(object):
    def filters(self):
        return {
            "path_problems": path_problems,
            "host_name_problems": host_name_problems,
            "audit_rule_problems": audit_rule_problems,
            "shadowing_facts": shadowing_facts,
            "unknown_peers": unknown_peers,
        }
