# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding messages in a server's archive: <root>/<client>/syslog.log and its rotations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import time
import zlib


def archive_files(root):
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def find_strings(root, needles, unreadable=None):
    """Map each needle to the client directories (relative to root) whose files contain it.

    A file that cannot be read to its end (a damaged rotation) is added to ``unreadable``
    (relative to root) with what was read of it searched, so that one damaged file does not
    hide every other one."""
    wanted = [(needle, needle.encode("utf-8")) for needle in needles]
    found = dict((needle, []) for needle in needles)
    if not wanted:
        return found
    for path in archive_files(root):
        client = os.path.relpath(os.path.dirname(path), root)
        try:
            with _open(path) as handle:
                for line in handle:
                    for needle, raw in wanted:
                        if raw in line and client not in found[needle]:
                            found[needle].append(client)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            if unreadable is not None:
                unreadable.add("%s (%s)" % (os.path.relpath(path, root), exc))
    return found


def wait_for_strings(root, needles, timeout, interval=1.0, clock=time.monotonic, sleep=time.sleep, unreadable=None):
    """Search until every needle is found or ``timeout`` seconds have passed."""
    deadline = clock() + timeout
    while True:
        found = find_strings(root, needles, unreadable)
        if all(found.values()) or clock() >= deadline:
            return found
        sleep(interval)


CURRENT_FILE = "syslog.log"


def archive_positions(root):
    """Where each client's current file ends now: {path: [inode, size]}."""
    positions = {}
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        if CURRENT_FILE in names:
            path = os.path.join(directory, CURRENT_FILE)
            try:
                status = os.stat(path)
            except OSError:
                continue
            positions[path] = [status.st_ino, status.st_size]
    return positions


class ArchiveWatch(object):
    """Follows what the receiver appends to every client's current file after given positions.

    Only what is written after the positions is read, so watching costs the same on an archive
    of ninety days as on an empty one. A file rotated while it is watched is read to its end
    under its new name, compressed or not (logrotate renames, then compresses).
    """

    def __init__(self, root, positions):
        self.root = root
        self.positions = dict((path, (int(inode), int(size))) for path, (inode, size) in positions.items())
        self.partial = {}

    def new_lines(self):
        """Yield (client directory, line) for every complete line written since the last call."""
        for directory, subdirs, names in os.walk(self.root):
            subdirs.sort()
            path = os.path.join(directory, CURRENT_FILE)
            tracked = self.positions.get(path)
            try:
                status = os.stat(path) if CURRENT_FILE in names else None
            except OSError:
                status = None
            client = os.path.relpath(directory, self.root)
            if tracked is not None and (status is None or status.st_ino != tracked[0]):
                rotated = self._rotated(directory, names, tracked[0])
                if rotated is not None:
                    for line in self._read(path, rotated, tracked[1]):
                        yield client, line
                self.partial.pop(path, None)
                tracked = None
            if status is None:
                self.positions.pop(path, None)
                continue
            offset = tracked[1] if tracked is not None else 0
            self.positions[path] = (status.st_ino, offset)
            if status.st_size > offset:
                for line in self._read(path, path, offset):
                    yield client, line

    def _rotated(self, directory, names, inode):
        """The file that was the current one: the same inode, or failing that its compressed copy."""
        candidates = [os.path.join(directory, name) for name in names if name.startswith(CURRENT_FILE + "-")]
        for candidate in candidates:
            try:
                if os.stat(candidate).st_ino == inode:
                    return candidate
            except OSError:
                continue
        compressed = [candidate for candidate in candidates if candidate.endswith(".gz")]
        return max(compressed, key=os.path.getmtime) if compressed else None

    def _read(self, key, path, offset):
        with _open(path) as handle:
            handle.seek(offset)
            data = self.partial.pop(key, b"") + handle.read()
            if key == path:
                self.positions[key] = (self.positions[key][0], handle.tell())
        complete, newline, rest = data.rpartition(b"\n")
        if rest:
            self.partial[key] = rest
        if newline:
            yield from complete.split(b"\n")


def watch_for_strings(root, needles, positions, timeout, interval=0.2, clock=time.monotonic, now=time.time, sleep=time.sleep):
    """When each needle first appears after ``positions``: {needle: {client directory: epoch}}."""
    watch = ArchiveWatch(root, positions)
    wanted = [(needle, needle.encode("utf-8")) for needle in needles]
    first_seen = dict((needle, {}) for needle in needles)
    deadline = clock() + timeout
    while True:
        lines = list(watch.new_lines())
        # Read by now, so written no later: a latency computed from it is an upper bound.
        seen_at = now()
        for client, line in lines:
            for needle, raw in wanted:
                if raw in line and client not in first_seen[needle]:
                    first_seen[needle][client] = seen_at
        if all(first_seen.values()) or clock() >= deadline:
            return first_seen
        sleep(interval)
