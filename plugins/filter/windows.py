# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: syslog_delivery_windows
short_description: Check the client role's daily delivery windows against its server list
version_added: 0.2.0
description:
  - "Returns the windows as C({server name: {begin, end}}) with whole hours, or fails with what
    is wrong with one of them."
  - A window sends from C(begin) o'clock up to C(end) o'clock in the client's local time; an
    C(end) below C(begin) crosses midnight (C(begin=22), C(end=5)). C(end) may be 24.
  - Only a server reached over RELP may have one, and only in fan-out delivery; see
    docs/client.md for why.
positional: servers, delivery
options:
  _input:
    description: The windows, keyed by server name, each C({begin, end}).
    type: dict
    required: true
  servers:
    description: "The client role's server list, C([{name, port, transport}])."
    type: list
    elements: dict
    required: true
  delivery:
    description: The client role's delivery mode, C(fanout) or C(failover).
    type: str
    default: fanout
author: auditlog.fleet contributors (@auditlog)
"""

EXAMPLES = r"""
__syslog_client_windows: >-
  {{ syslog_client_delivery_windows | auditlog.fleet.syslog_delivery_windows(syslog_client_servers, syslog_client_delivery) }}
"""

RETURN = r"""
_value:
  description: The windows with C(begin) and C(end) as integers.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_string
from ansible.module_utils.six.moves.collections_abc import Mapping


def _hour(server, key, value, highest):
    if isinstance(value, bool) or not (isinstance(value, int) or (is_string(value) and value.isdigit())):
        raise AnsibleFilterError("the delivery window for %s: %s must be a whole hour, got %r" % (server, key, value))
    if not 0 <= int(value) <= highest:
        raise AnsibleFilterError("the delivery window for %s: %s must be an hour from 0 to %d, got %s"
                                 % (server, key, highest, value))
    return int(value)


def syslog_delivery_windows(windows, servers, delivery="fanout"):
    if not windows:
        return {}
    if not isinstance(windows, Mapping):
        raise AnsibleFilterError("syslog_client_delivery_windows must map server names to {begin, end}, got %r" % (windows,))
    if delivery != "fanout":
        raise AnsibleFilterError("a delivery window needs syslog_client_delivery fanout: in failover delivery one "
                                 "queue serves every server")
    transports = dict((server["name"], server.get("transport", "tls")) for server in servers)
    checked = {}
    for server, window in sorted(windows.items()):
        if server not in transports:
            raise AnsibleFilterError("the delivery window for %s names no server in syslog_client_servers (%s)"
                                     % (server, ", ".join(sorted(transports))))
        if transports[server] != "relp":
            raise AnsibleFilterError(
                "the delivery window for %s needs its transport to be relp: rsyslog sends held messages when it stops, "
                "and over TLS what it writes into a connection the server has closed is lost (docs/client.md)" % server)
        if not isinstance(window, Mapping) or set(window) != set(["begin", "end"]):
            raise AnsibleFilterError("the delivery window for %s must be {begin: HOUR, end: HOUR}, got %r" % (server, window))
        begin, end = _hour(server, "begin", window["begin"], 23), _hour(server, "end", window["end"], 24)
        if begin == end:
            raise AnsibleFilterError("the delivery window for %s begins and ends at %d o'clock: rsyslog would never send"
                                     % (server, begin))
        checked[server] = {"begin": begin, "end": end}
    return checked


class FilterModule(object):
    def filters(self):
        return {"syslog_delivery_windows": syslog_delivery_windows}
