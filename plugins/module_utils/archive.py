# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding messages in a server's archive: <root>/<client>/syslog.log and its rotations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import time


def archive_files(root):
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def find_strings(root, needles):
    """Map each needle to the client directories (relative to root) whose files contain it."""
    wanted = [(needle, needle.encode("utf-8")) for needle in needles]
    found = dict((needle, []) for needle in needles)
    for path in archive_files(root):
        client = os.path.relpath(os.path.dirname(path), root)
        with _open(path) as handle:
            for line in handle:
                for needle, raw in wanted:
                    if raw in line and client not in found[needle]:
                        found[needle].append(client)
    return found


def wait_for_strings(root, needles, timeout, interval=1.0, clock=time.monotonic, sleep=time.sleep):
    """Search until every needle is found or ``timeout`` seconds have passed."""
    deadline = clock() + timeout
    while True:
        found = find_strings(root, needles)
        if all(found.values()) or clock() >= deadline:
            return found
        sleep(interval)
