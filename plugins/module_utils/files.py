# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files so that a reader sees the old content or the new, never half of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import tempfile


def parse_mode(value):
    """A file mode from an octal string ('0640') or an int, as modules take it."""
    try:
        return int(value, 8) if isinstance(value, str) else int(value)
    except ValueError:
        raise ValueError("a mode must be an octal string such as '0640', got %r" % (value,))


def read_or_none(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def group_id(group):
    if group is None:
        return -1
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError("group %r does not exist on this host" % group)


def write_atomic(path, data, mode, group=None):
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    The temporary file is created 0600 (mkstemp), so a private key is never readable by
    others, not even for an instant; it gets its final mode and group before the rename.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    gid = group_id(group)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chown(tmp, -1, gid)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def mode_and_group_differ(path, mode, group=None):
    st = os.stat(path)
    if (st.st_mode & 0o7777) != mode:
        return True
    return group is not None and st.st_gid != group_id(group)


def fix_mode_and_group(path, mode, group=None):
    os.chown(path, -1, group_id(group))
    os.chmod(path, mode)
