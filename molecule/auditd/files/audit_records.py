"""Prints, as JSON, every audit record between two markers (auditctl -m "<marker> begin" and
"<marker> end"): from auditd's own log on the client, or from the copies in a server's archive.
A record is its text from "type=" on; auditd's log separates the names it resolved with a
0x1d byte, where the syslog plugin puts a space. Also counts the lines that name the marker in
any form, such as the journal's own copy of an audit record, which has no "type=".
With --hostname, only the archive's lines (RFC 5424) whose HOSTNAME is that name count.
Usage: audit_records.py [--hostname NAME] MARKER FILE_OR_DIRECTORY..."""

import argparse
import json
import os
import re
import sys

RECORD = re.compile(r"type=\S+ msg=audit\((\d+)\.(\d+):(\d+)\): .*")


def files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, names in os.walk(path):
                for name in sorted(names):
                    yield os.path.join(root, name)
        else:
            yield path


def lines(paths, hostname):
    for path in files(paths):
        with open(path, encoding="utf-8", errors="replace") as text:
            for line in text:
                fields = line.split(" ", 3)
                if hostname is None or (len(fields) > 2 and fields[2] == hostname):
                    yield line.rstrip("\n").replace("\x1d", " ")


def main(marker, paths, hostname):
    everything = list(lines(paths, hostname))
    found = [(int(match.group(3)), int(match.group(1)), match.group(0))
             for match in map(RECORD.search, everything) if match]
    edges = {}
    for serial, seconds, text in found:
        for edge in ("begin", "end"):
            if "text=%s %s " % (marker, edge) in text:
                edges.setdefault(edge, (serial, seconds))
    result = {
        "begin": edges.get("begin", (None,))[0],
        "end": edges.get("end", (None,))[0],
        "records": [],
        "marker_lines": sum(marker in line for line in everything),
    }
    if len(edges) == 2:
        # By the kernel's serials, and within seconds of the markers: auditd numbers its own
        # records (DAEMON_START, DAEMON_END) apart from the kernel's, so one of another hour can
        # carry a serial between the markers'. (Not by time alone: the test sets the clock, a
        # second back at most.)
        (first, since), (last, until) = edges["begin"], edges["end"]
        result["records"] = sorted(text for serial, seconds, text in found
                                   if first <= serial <= last and since - 2 <= seconds <= until + 2)
    result["keys"] = sorted(set(re.findall(r' key="([^"]+)"', "\n".join(result["records"]))))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hostname")
    parser.add_argument("marker")
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    main(arguments.marker, arguments.paths, arguments.hostname)
