# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: peer_names.yml beside this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.auditlog.fleet.plugins.module_utils import names


def peer_hosts(peers, hosts, hostvars):
    """The inventory hosts ``peers`` name, each once; a name that is no host's stays as it is (the
    host_certificate tasks stop the play on it)."""
    found = names.peer_hosts(peers, hosts, lambda host: hostvars[host].get("syslog_ca_host_extra_names"))
    resolved = []
    for peer in peers:
        host = found[peer] or peer
        if host not in resolved:
            resolved.append(host)
    return resolved


def peer_names(peers, signed):
    """The names to permit for ``peers``, as x509_sign decided them (docs/ca.md, Identities)."""
    if not isinstance(signed, dict) or "peer_names" not in signed:
        # Check mode on a new fleet: the CA is only "would be created" and has decided nothing yet.
        return list(peers)
    names = []
    for peer in peers:
        if peer not in signed["peer_names"]:
            raise AnsibleFilterError("the CA was not asked for the identity of %s (add it to syslog_ca_host_peers)" % peer)
        names.extend(n for n in signed["peer_names"][peer] if n not in names)
    return names


class FilterModule(object):
    def filters(self):
        return {"peer_names": peer_names, "peer_hosts": peer_hosts}
