# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: syslog_targets
short_description: Turn inventory names of central servers into the client role's server list
version_added: 0.1.0
description:
  - Makes one entry per server, C({name, port, transport}). C(port) is the server's own
    C(syslog_server_tls_port) (transport C(tls)) or C(syslog_server_relp_port) (transport
    C(relp)) from O(hostvars) when its inventory sets one, else 6514 or 2514.
positional: hostvars, transport
options:
  _input:
    description: Inventory names of the central servers.
    type: list
    elements: str
    required: true
  hostvars:
    description: The play's C(hostvars), to read each server's port. Optional.
    type: dict
  transport:
    description: How the clients send, C(tls) (RFC 5425) or C(relp) (RELP over TLS).
    type: str
    default: tls
author: auditlog.fleet contributors (@auditlog)
"""

EXAMPLES = r"""
syslog_client_servers: "{{ groups['syslog_servers'] | auditlog.fleet.syslog_targets(hostvars) }}"
"""

RETURN = r"""
_value:
  description: One dict per server with C(name), C(port) and C(transport).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

# transport: (the server role's variable for its port, the default port)
PORTS = {"tls": ("syslog_server_tls_port", 6514), "relp": ("syslog_server_relp_port", 2514)}


def syslog_targets(names, hostvars=None, transport="tls"):
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise AnsibleFilterError("syslog_targets expects a list of inventory names, got %r" % (names,))
    if transport not in PORTS:
        raise AnsibleFilterError("unknown transport %r; choose one of %s" % (transport, ", ".join(sorted(PORTS))))
    variable, default = PORTS[transport]
    targets = []
    for name in names:
        own = (hostvars or {}).get(name) or {}
        targets.append({"name": name, "port": int(own.get(variable, default)), "transport": transport})
    return targets


class FilterModule(object):
    def filters(self):
        return {"syslog_targets": syslog_targets}
