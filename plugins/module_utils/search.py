# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Searching a server's archive, and merging what several servers found.

Archive lines are RFC 5424 as the receiver writes them:
``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG``. The TIMESTAMP is
the client's; rotated files are named after their rotation time
(``syslog.log-YYYYMMDD-HHMMSS.gz``), so a file rotated before the start of the range holds
nothing in it and is not read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import gzip
import os
import re

ROTATED = re.compile(r"^syslog\.log-(\d{8}-\d{6})(\.gz)?\Z")
UTC = datetime.timezone.utc


class SearchError(Exception):
    """The search cannot be done as asked."""


def parse_time(text):
    """An aware datetime from an RFC 3339 timestamp (a date or a time without zone counts as UTC)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise SearchError("%r is not an RFC 3339 time such as 2026-11-23T03:00:00+00:00" % text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def line_time(line):
    """The timestamp of an archive line, or None when it has none that parses."""
    fields = line.split(" ", 2)
    if len(fields) < 3:
        return None
    try:
        return parse_time(fields[1])
    except SearchError:
        return None


def client_files(root, client, since):
    """A client's archive files that can hold messages from ``since`` on, oldest first."""
    directory = os.path.join(root, client)
    chosen = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        rotated = ROTATED.match(name)
        if rotated:
            rotated_at = datetime.datetime.strptime(rotated.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            if since is not None and rotated_at < since:
                continue
            chosen.append((0, name, path))
        elif name == "syslog.log":
            chosen.append((1, name, path))
    return [path for _order, _name, path in sorted(chosen)]


def clients_in(root, wanted=None):
    """Client directories under ``root`` (all, or those in ``wanted``)."""
    names = sorted(name for name in os.listdir(root)
                   if os.path.isdir(os.path.join(root, name)) and name != "lost+found" and not name.startswith("."))
    if wanted:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise SearchError("no such client directory under %s: %s" % (root, ", ".join(unknown)))
        names = [name for name in names if name in wanted]
    return names


def search(root, pattern=None, since=None, before=None, clients=None, limit=1000):
    """Lines matching ``pattern`` (a regular expression) within [since, before).

    Returns ``(records, truncated)``: records are dicts with client, time (RFC 3339 or None)
    and line, in file order per client; at most ``limit`` of them.
    """
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise SearchError("pattern %r is not a regular expression: %s" % (pattern, exc))
    if since is not None and before is not None and before <= since:
        raise SearchError("the end of the range must come after its start")
    records = []
    for client in clients_in(root, clients):
        for path in client_files(root, client, since):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rb") as handle:
                for raw in handle:
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    if regex is not None and not regex.search(line):
                        continue
                    moment = line_time(line)
                    if (since is not None or before is not None) and moment is None:
                        continue
                    if since is not None and moment < since:
                        continue
                    if before is not None and moment >= before:
                        continue
                    if len(records) >= limit:
                        return records, True
                    records.append({"client": client, "time": moment.astimezone(UTC).isoformat() if moment else None,
                                    "line": line})
    return records, False


def merge(found_by_server):
    """One entry per distinct line over all servers, oldest first, saying which servers have it.

    ``found_by_server`` maps a server's name to its records. A line a server holds twice (a
    RELP resend) counts once. Returns dicts with time, client, line and servers.
    """
    merged = {}
    for server in sorted(found_by_server):
        for record in found_by_server[server]:
            entry = merged.setdefault(record["line"], {
                "time": record["time"], "client": record["client"], "line": record["line"], "servers": []})
            if server not in entry["servers"]:
                entry["servers"].append(server)
    return sorted(merged.values(), key=lambda entry: (entry["time"] or "", entry["line"]))


def differences(found_by_server):
    """The merged lines that some server lacks, each with the servers that lack it."""
    servers = sorted(found_by_server)
    result = []
    for entry in merge(found_by_server):
        missing = [server for server in servers if server not in entry["servers"]]
        if missing:
            result.append(dict(entry, missing_on=missing))
    return result
