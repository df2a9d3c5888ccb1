#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: archive_volume
short_description: Prepare and mount the dedicated archive volume of a central server
version_added: 0.2.0
description:
  - Makes a block device the filesystem mounted at the archive root, and keeps it so across
    reboots with an C(/etc/fstab) entry by filesystem UUID (written atomically; other entries
    are kept as they are).
  - Creates a filesystem only on a blank device (no signature that blkid knows, and a first
    MiB of zeros). A device that holds a filesystem of another type, a partition table, any
    other signature or data is refused with a message saying what it holds, unless
    O(force) is set. A device that already has an ext4 filesystem is mounted as it is, with
    its data (a re-run, or an archive disk moved from another server).
  - Fails when another device is mounted at the archive root, when C(/etc/fstab) names another
    device there, or when the archive root is not mounted and not empty (mounting would hide
    its files, for example an archive kept on the root filesystem until now), unless O(force).
  - Never touches a device that something else uses, whatever O(force) says. It is mounted
    anywhere but at O(path) (the root filesystem, a bind mount), active swap, held by LVM,
    device mapper or RAID, or has partitions.
  - Grows the filesystem online when the device has grown.
  - Gives the root of the mounted filesystem the owner, group and mode asked for.
author: auditlog.fleet contributors (@auditlog)
requirements:
  - util-linux (blkid, mount) and e2fsprogs (mkfs.ext4, resize2fs, dumpe2fs) on the host
attributes:
  check_mode:
    support: full
    description: Reports what it would do; formats, writes and mounts nothing.
  diff_mode:
    support: full
    description: Shows the change to C(/etc/fstab).
options:
  device:
    description:
      - The block device. A path (C(/dev/vdb)), a stable link (C(/dev/disk/by-id/...)),
        C(LABEL=name) or C(UUID=uuid).
    type: str
    required: true
  path:
    description: The archive root, where the filesystem is mounted.
    type: path
    required: true
  fstype:
    description: The filesystem to create on a blank device.
    type: str
    choices: [ext4]
    default: ext4
  label:
    description: Filesystem label given when the filesystem is created.
    type: str
  mount_options:
    description: Mount options in C(/etc/fstab). The archive holds data, never programs or devices.
    type: str
    default: defaults,nodev,nosuid,noexec
  owner:
    description: Owner of the archive root.
    type: str
    default: root
  group:
    description: Group of the archive root.
    type: str
    default: root
  mode:
    description: Mode of the archive root, as an octal string.
    type: str
    default: "0750"
  force:
    description:
      - Format the device even though it holds a filesystem of another type or data, destroying
        it; replace another device's C(/etc/fstab) entry for the archive root; mount over a
        non-empty archive root, hiding its files.
      - Never unmounts anything; a mounted device is never formatted, and a device in use
        elsewhere is refused all the same.
    type: bool
    default: false
  grow:
    description: Grow the filesystem when the device is larger than it.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Put the archive on its own disk
  auditlog.fleet.archive_volume:
    device: /dev/disk/by-id/virtio-archive01
    path: /srv/syslog-archive
    label: syslog-archive
    group: adm
"""

RETURN = r"""
device:
  description: The device node the O(device) option resolved to.
  returned: always
  type: str
  sample: /dev/vdb
uuid:
  description: The filesystem UUID, as in C(/etc/fstab). Empty in check mode before the filesystem exists.
  returned: always
  type: str
changes:
  description: What was changed (or would be, in check mode), in words.
  returned: always
  type: list
  elements: str
  sample: ["created an ext4 filesystem on /dev/loop3", "added /srv/syslog-archive to /etc/fstab"]
"""

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.auditlog.fleet.plugins.module_utils import files, volume


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type="str", required=True),
            path=dict(type="path", required=True),
            fstype=dict(type="str", default="ext4", choices=list(volume.FSTYPES)),
            label=dict(type="str"),
            mount_options=dict(type="str", default="defaults,nodev,nosuid,noexec"),
            owner=dict(type="str", default="root"),
            group=dict(type="str", default="root"),
            mode=dict(type="str", default="0750"),
            force=dict(type="bool", default=False),
            grow=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        owner = pwd.getpwnam(params["owner"]).pw_uid
        group = grp.getgrnam(params["group"]).gr_gid
        mode = files.parse_mode(params["mode"])
    except KeyError as exc:
        module.fail_json(msg="unknown user or group: %s" % exc)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    system = volume.System(module.run_command)
    try:
        result = volume.ensure_volume(
            system, params["device"], params["path"], fstype=params["fstype"], label=params["label"],
            options=params["mount_options"], owner=owner, group=group, mode=mode, force=params["force"],
            grow=params["grow"], check_mode=module.check_mode)
    except (volume.VolumeError, OSError) as exc:
        module.fail_json(msg=str(exc))
    diff = result.pop("diff")
    if module._diff and diff["before"] != diff["after"]:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
