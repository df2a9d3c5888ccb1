# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The archive volume: a block device with its own filesystem, mounted at the archive root.

``ensure_volume`` decides and acts through a ``System`` (the commands and files of the
host), which the unit tests replace with a simulated one. The rule it keeps above all
others: a device that holds anything is never formatted unless the operator forces it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.auditlog.fleet.plugins.module_utils import files

FSTYPES = ("ext4",)
# Reading this much of a device without a signature tells "blank" from "holds data".
BLANK_CHECK_BYTES = 1024 * 1024
# mkfs rounds the filesystem down to whole blocks; grow only for a real difference.
GROW_THRESHOLD_BYTES = 4 * 1024 * 1024
FSTAB_MODE = 0o644


class VolumeError(Exception):
    """A device or mount point that the module must not touch, or could not."""


class System:
    """The host as the volume logic sees it: real commands and files."""

    def __init__(self, run_command, fstab_path="/etc/fstab", mountinfo_path="/proc/self/mountinfo",
                 swaps_path="/proc/swaps", sysfs_block="/sys/dev/block"):
        # run_command(argv) -> (rc, stdout, stderr), as AnsibleModule.run_command.
        self._run = run_command
        self.fstab_path = fstab_path
        self.mountinfo_path = mountinfo_path
        self.swaps_path = swaps_path
        self.sysfs_block = sysfs_block

    def run(self, argv, what):
        rc, out, err = self._run(argv)
        if rc != 0:
            raise VolumeError("%s failed (%s, rc %d): %s" % (what, " ".join(argv), rc, (err or out).strip()))
        return out

    def find_by_tag(self, tag, value):
        rc, out, dummy = self._run(["blkid", "-U" if tag == "UUID" else "-L", value])
        return out.strip() if rc == 0 and out.strip() else None

    def is_block_device(self, path):
        return os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode)

    def device_number(self, path):
        return os.stat(path).st_rdev

    def signatures(self, device):
        """What blkid finds on the device itself (filesystem, partition table, RAID, ...)."""
        rc, out, err = self._run(["blkid", "--probe", "--output", "export", device])
        if rc == 2:
            return {}
        if rc != 0:
            raise VolumeError("blkid cannot read %s: %s" % (device, err.strip()))
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def starts_with_zeros(self, device):
        with open(device, "rb") as handle:
            return handle.read(BLANK_CHECK_BYTES).count(0) == BLANK_CHECK_BYTES

    def size(self, device):
        fd = os.open(device, os.O_RDONLY)
        try:
            return os.lseek(fd, 0, os.SEEK_END)
        finally:
            os.close(fd)

    def filesystem_size(self, device):
        out = self.run(["dumpe2fs", "-h", device], "reading the filesystem size")
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        return int(fields["Block count"].strip()) * int(fields["Block size"].strip())

    def make_filesystem(self, device, fstype, label, force):
        argv = ["mkfs." + fstype, "-q"] + (["-L", label] if label else []) + (["-F"] if force else []) + [device]
        self.run(argv, "making the filesystem")

    def check_filesystem(self, device):
        argv = ["e2fsck", "-f", "-p", device]
        rc, out, err = self._run(argv)
        if rc not in (0, 1):  # 1: errors were found and corrected
            raise VolumeError("checking the filesystem failed (%s, rc %d): %s" % (" ".join(argv), rc, (err or out).strip()))

    def grow_filesystem(self, device):
        self.run(["resize2fs", device], "growing the filesystem")

    def mount(self, path):
        self.run(["mount", path], "mounting")

    def mounted_at(self, path):
        """(device number, source) of what is mounted at ``path``, or None."""
        found = None
        with open(self.mountinfo_path) as handle:
            for line in handle:
                fields = line.split()
                separator = fields.index("-")
                if _unescape(fields[4]) == path:
                    major, minor = fields[2].split(":")
                    found = (os.makedev(int(major), int(minor)), fields[separator + 2])
        return found  # the last entry: what is on top

    def mount_points(self, number):
        """Every place the filesystem on device ``number`` is mounted (bind mounts included)."""
        wanted = "%d:%d" % (os.major(number), os.minor(number))
        with open(self.mountinfo_path) as handle:
            return [_unescape(line.split()[4]) for line in handle if line.split()[2] == wanted]

    def swap_device_numbers(self):
        numbers = set()
        with open(self.swaps_path) as handle:
            for line in list(handle)[1:]:
                name = _unescape(line.split()[0])
                if self.is_block_device(name):
                    numbers.add(self.device_number(name))
        return numbers

    def _sysfs(self, number, *parts):
        return os.path.join(self.sysfs_block, "%d:%d" % (os.major(number), os.minor(number)), *parts)

    def holders(self, number):
        """What is built on the device: LVM, device mapper, RAID (by kernel name)."""
        directory = self._sysfs(number, "holders")
        return sorted(os.listdir(directory)) if os.path.isdir(directory) else []

    def partitions(self, number):
        directory = self._sysfs(number)
        if not os.path.isdir(directory):
            return []
        return sorted(name for name in os.listdir(directory)
                      if os.path.exists(os.path.join(directory, name, "partition")))

    def read_fstab(self):
        data = files.read_or_none(self.fstab_path)
        return data.decode("utf-8") if data is not None else ""

    def write_fstab(self, text):
        files.write_atomic(self.fstab_path, text, FSTAB_MODE)


def _unescape(field):
    # mountinfo and fstab write a space as \040, a tab as \011, and so on.
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def _escape(path):
    return "".join("\\%03o" % ord(c) if c in " \t\n\\" else c for c in path)


def resolve_device(system, spec):
    """The device node for a path, a /dev/disk/by-* link, ``LABEL=...`` or ``UUID=...``."""
    for tag in ("UUID", "LABEL"):
        if spec.startswith(tag + "="):
            device = system.find_by_tag(tag, spec[len(tag) + 1:])
            if device is None:
                raise VolumeError("no block device has %s" % spec)
            return device
    if not os.path.exists(spec):
        raise VolumeError("%s does not exist" % spec)
    device = os.path.realpath(spec)
    if not system.is_block_device(device):
        raise VolumeError("%s is not a block device" % spec)
    return device


def _names_device(system, source, device):
    """Whether an fstab source (a path, UUID=..., LABEL=...) is ``device``."""
    try:
        return resolve_device(system, source) == device
    except VolumeError:
        return False


def fstab_line(uuid, path, fstype, options):
    return "UUID=%s %s %s %s 0 2" % (uuid, _escape(path), fstype, options)


def fstab_with(text, path, line):
    """``text`` with the one entry for ``path`` set to ``line``: (new text, old entry or None)."""
    lines = text.splitlines()
    old = None
    for number, existing in enumerate(lines):
        fields = existing.split()
        if fields and not fields[0].startswith("#") and len(fields) > 1 and _unescape(fields[1]) == path:
            if old is not None:
                raise VolumeError("/etc/fstab mounts two filesystems at %s; leave one" % path)
            old = existing
            lines[number] = line
    if old is None:
        lines.append(line)
    return "\n".join(lines) + "\n", old


def uses_elsewhere(system, device, path):
    """What uses ``device`` besides the archive at ``path``: other mounts, swap, holders, partitions."""
    number = system.device_number(device)
    uses = ["mounted at %s" % point for point in system.mount_points(number) if point != path]
    if number in system.swap_device_numbers():
        uses.append("active swap")
    uses.extend("held by %s" % holder for holder in system.holders(number))
    uses.extend("has the partition %s" % partition for partition in system.partitions(number))
    return uses


def ensure_volume(system, device_spec, path, fstype="ext4", label=None, options="defaults",
                  owner=0, group=0, mode=0o750, force=False, grow=True, check_mode=False):
    """Make ``device_spec`` the filesystem mounted at ``path``. Returns the module's result."""
    if fstype not in FSTYPES:
        raise VolumeError("filesystem type %r is not supported; choose one of %s" % (fstype, ", ".join(FSTYPES)))
    changes = []
    device = resolve_device(system, device_spec)
    uses = uses_elsewhere(system, device, path)
    if uses:
        # force is for a device that holds data nobody needs; one in use would be formatted,
        # mounted twice or have its filesystem's root handed to the archive's owner.
        raise VolumeError("%s (%s) is in use: %s. The archive needs a device of its own; nothing was changed, "
                          "whatever force says" % (device_spec, device, "; ".join(uses)))
    mounted = system.mounted_at(path)
    if mounted is not None and mounted[0] != system.device_number(device):
        raise VolumeError("%s is already mounted at %s, not %s; unmount it first if the archive is to move"
                          % (mounted[1], path, device_spec))

    if mounted is None and os.path.isdir(path) and os.listdir(path) and not force:
        # Files written there while the volume was not mounted (or an archive kept on the
        # root filesystem until now) would disappear under the mount.
        raise VolumeError("%s is not empty (%s, ...); mounting %s there would hide what it holds. "
                          "Move that onto the volume or elsewhere first, or set force"
                          % (path, sorted(os.listdir(path))[0], device_spec))

    signatures = system.signatures(device)
    found_type = signatures.get("TYPE")
    if found_type != fstype:
        if not force:
            if found_type:
                held = "%s (%s)" % (found_type, signatures.get("USAGE", "signature"))
            elif "PTTYPE" in signatures:
                held = "a %s partition table" % signatures["PTTYPE"]
            elif signatures:
                held = "a signature blkid knows (%s)" % ", ".join("%s=%s" % item for item in sorted(signatures.items()))
            elif not system.starts_with_zeros(device):
                held = "data (its first MiB is not blank)"
            else:
                held = None
            if held:
                raise VolumeError("%s holds %s; not formatting it. Set force to format it as %s, destroying what it holds"
                                  % (device_spec, held, fstype))
        if mounted is not None:
            raise VolumeError("%s is mounted at %s; not formatting a mounted device" % (device_spec, path))
        changes.append("created an %s filesystem on %s" % (fstype, device))
        if not check_mode:
            system.make_filesystem(device, fstype, label, force)
            signatures = system.signatures(device)

    uuid = signatures.get("UUID")
    before = system.read_fstab()
    after, old = fstab_with(before, path, fstab_line(uuid or "<new filesystem>", path, fstype, options))
    if old is not None and not force and not _names_device(system, old.split()[0], device):
        raise VolumeError("/etc/fstab mounts %s at %s, which is not %s; remove that entry or set force"
                          % (old.split()[0], path, device_spec))
    if after != before:
        changes.append("set the /etc/fstab entry for %s" % path if old else "added %s to /etc/fstab" % path)
        if not check_mode:
            system.write_fstab(after)

    if not os.path.isdir(path):
        changes.append("created the mount point %s" % path)
        if not check_mode:
            os.makedirs(path, mode=0o755)
    if grow and found_type == fstype:
        growth = system.size(device) - system.filesystem_size(device)
        if growth >= GROW_THRESHOLD_BYTES:
            # Unmounted, resize2fs wants a checked filesystem; mounted, it grows it online
            # (which needs CAP_SYS_RESOURCE, as root has on a real host).
            changes.append("grew the filesystem by %d MiB to fill %s%s"
                           % (growth // (1024 * 1024), device, " (online)" if mounted else ""))
            if not check_mode:
                if mounted is None:
                    system.check_filesystem(device)
                system.grow_filesystem(device)

    if mounted is None:
        changes.append("mounted %s at %s" % (device, path))
        if not check_mode:
            system.mount(path)

    if not check_mode or os.path.isdir(path):
        current = os.stat(path) if os.path.isdir(path) else None
        if current is None or (current.st_uid, current.st_gid, stat.S_IMODE(current.st_mode)) != (owner, group, mode):
            changes.append("set the archive root to owner %d, group %d, mode %04o" % (owner, group, mode))
            if not check_mode:
                os.chown(path, owner, group)
                os.chmod(path, mode)

    return {"changed": bool(changes), "changes": changes, "device": device, "uuid": uuid or "",
            "diff": {"before": before, "after": after, "before_header": system.fstab_path,
                     "after_header": system.fstab_path}}
