import os
import stat

import pytest

from ansible_collections.auditlog.fleet.plugins.module_utils import volume

MiB = 1024 * 1024


class FakeSystem(volume.System):
    """Block devices, blkid, mkfs and mount played in memory; fstab is a real file."""

    def __init__(self, tmp_path):
        super().__init__(run_command=None, fstab_path=str(tmp_path / "fstab"))
        self.tmp_path = tmp_path
        self.devices = {}
        self.mounts = {}
        self.commands = []
        self.uuids = iter("uuid-%d" % n for n in range(1, 100))
        self.swaps, self.holders_of, self.partitions_of = set(), {}, {}

    def add_device(self, name, size=64 * MiB, signatures=None, zeros=True):
        path = str(self.tmp_path / name)
        open(path, "w").close()
        self.devices[path] = {"signatures": dict(signatures or {}), "zeros": zeros, "size": size,
                              "fs_size": size if signatures and signatures.get("TYPE") else 0,
                              "rdev": os.makedev(7, len(self.devices))}
        return path

    def find_by_tag(self, tag, value):
        for path, device in self.devices.items():
            if device["signatures"].get(tag) == value:
                return path
        return None

    def is_block_device(self, path):
        return path in self.devices

    def device_number(self, path):
        return self.devices[path]["rdev"]

    def signatures(self, device):
        return dict(self.devices[device]["signatures"])

    def starts_with_zeros(self, device):
        return self.devices[device]["zeros"]

    def size(self, device):
        return self.devices[device]["size"]

    def filesystem_size(self, device):
        return self.devices[device]["fs_size"]

    def make_filesystem(self, device, fstype, label, force):
        self.commands.append(("mkfs", device, force))
        self.devices[device].update(signatures={"TYPE": fstype, "UUID": next(self.uuids)},
                                    fs_size=self.devices[device]["size"], zeros=False)

    def check_filesystem(self, device):
        self.commands.append(("fsck", device))

    def grow_filesystem(self, device):
        self.commands.append(("grow", device))
        self.devices[device]["fs_size"] = self.devices[device]["size"]

    def mount(self, path):
        self.commands.append(("mount", path))
        for line in self.read_fstab().splitlines():
            source, point = line.split()[:2]
            if point == path:
                device = volume.resolve_device(self, source)
                self.mounts[path] = (self.devices[device]["rdev"], device)
                return
        raise AssertionError("mount %s: not in fstab" % path)

    def mounted_at(self, path):
        return self.mounts.get(path)

    def mount_points(self, number):
        return sorted(path for path, (rdev, dummy) in self.mounts.items() if rdev == number)

    def swap_device_numbers(self):
        return self.swaps

    def holders(self, number):
        return self.holders_of.get(number, [])

    def partitions(self, number):
        return self.partitions_of.get(number, [])


@pytest.fixture
def system(tmp_path):
    return FakeSystem(tmp_path)


@pytest.fixture
def archive(tmp_path):
    return str(tmp_path / "archive")


def ensure(system, device, path, **kwargs):
    kwargs.setdefault("owner", os.getuid())
    kwargs.setdefault("group", os.getgid())
    return volume.ensure_volume(system, device, path, options="defaults,nodev,nosuid,noexec", **kwargs)


def test_a_blank_device_is_formatted_mounted_and_kept_in_fstab(system, archive):
    device = system.add_device("blank")
    checked = ensure(system, device, archive, check_mode=True)
    assert checked["changed"] and system.commands == [] and not os.path.exists(system.fstab_path)

    made = ensure(system, device, archive)
    assert made["changed"] and made["uuid"] == "uuid-1"
    assert [c[0] for c in system.commands] == ["mkfs", "mount"]
    assert open(system.fstab_path).read() == "UUID=uuid-1 %s ext4 defaults,nodev,nosuid,noexec 0 2\n" % archive
    assert stat.S_IMODE(os.stat(system.fstab_path).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o750

    again = ensure(system, device, archive)
    assert not again["changed"] and again["changes"] == []
    assert [c[0] for c in system.commands] == ["mkfs", "mount"]


def test_fstab_keeps_the_other_entries(system, archive):
    with open(system.fstab_path, "w") as handle:
        handle.write("# static file system information\nUUID=root / ext4 errors=remount-ro 0 1\n")
    ensure(system, system.add_device("blank"), archive)
    assert open(system.fstab_path).read().splitlines()[:2] == [
        "# static file system information", "UUID=root / ext4 errors=remount-ro 0 1"]


@pytest.mark.parametrize("signatures,zeros,held", [
    ({"TYPE": "xfs", "UUID": "x", "USAGE": "filesystem"}, False, "holds xfs (filesystem)"),
    ({"TYPE": "crypto_LUKS", "USAGE": "crypto"}, False, "holds crypto_LUKS (crypto)"),
    ({"PTTYPE": "gpt"}, False, "holds a gpt partition table"),
    ({}, False, "holds data (its first MiB is not blank)"),
])
def test_a_device_that_holds_something_is_not_formatted(system, archive, signatures, zeros, held):
    device = system.add_device("used", signatures=signatures, zeros=zeros)
    with pytest.raises(volume.VolumeError, match=r"used %s; not formatting it" % held.replace("(", r"\(").replace(")", r"\)")):
        ensure(system, device, archive)
    assert system.commands == [] and not os.path.exists(system.fstab_path)
    forced = ensure(system, device, archive, force=True)
    assert forced["changed"] and system.commands[0] == ("mkfs", device, True)


def test_an_existing_filesystem_of_the_right_type_is_mounted_as_it_is(system, archive):
    device = system.add_device("archive-disk", signatures={"TYPE": "ext4", "UUID": "kept"}, zeros=False)
    result = ensure(system, device, archive)
    assert result["uuid"] == "kept" and [c[0] for c in system.commands] == ["mount"]


def test_another_device_mounted_there_is_an_error(system, archive):
    first = system.add_device("first")
    ensure(system, first, archive)
    second = system.add_device("second")
    with pytest.raises(volume.VolumeError, match="first is already mounted at .*archive, not .*second"):
        ensure(system, second, archive)


def test_another_device_in_fstab_is_an_error_unless_forced(system, archive):
    with open(system.fstab_path, "w") as handle:
        handle.write("UUID=gone %s ext4 defaults 0 2\n" % archive)
    device = system.add_device("blank")
    with pytest.raises(volume.VolumeError, match="/etc/fstab mounts UUID=gone at"):
        ensure(system, device, archive)


def test_a_grown_device_gets_a_grown_filesystem_online(system, archive):
    device = system.add_device("growing")
    ensure(system, device, archive)
    system.devices[device]["size"] += 32 * MiB
    grown = ensure(system, device, archive)
    assert grown["changes"] == ["grew the filesystem by 32 MiB to fill %s (online)" % device]
    assert system.commands[-1] == ("grow", device)
    assert not ensure(system, device, archive)["changed"]


def test_an_unmounted_grown_filesystem_is_checked_grown_then_mounted(system, archive):
    device = system.add_device("growing")
    ensure(system, device, archive)
    del system.mounts[archive]
    system.devices[device]["size"] += 32 * MiB
    grown = ensure(system, device, archive)
    assert grown["changes"] == ["grew the filesystem by 32 MiB to fill %s" % device, "mounted %s at %s" % (device, archive)]
    assert system.commands[-3:] == [("fsck", device), ("grow", device), ("mount", archive)]


def test_a_small_difference_is_not_growth(system, archive):
    device = system.add_device("rounded")
    ensure(system, device, archive)
    system.devices[device]["size"] += volume.GROW_THRESHOLD_BYTES - 1
    assert not ensure(system, device, archive)["changed"]


def test_devices_are_found_by_label_and_uuid(system, archive):
    device = system.add_device("labelled", signatures={"TYPE": "ext4", "UUID": "u-1", "LABEL": "archive"}, zeros=False)
    assert volume.resolve_device(system, "LABEL=archive") == device
    assert volume.resolve_device(system, "UUID=u-1") == device
    with pytest.raises(volume.VolumeError, match="no block device has LABEL=missing"):
        volume.resolve_device(system, "LABEL=missing")
    with pytest.raises(volume.VolumeError, match="does not exist"):
        volume.resolve_device(system, "/dev/does-not-exist")
    not_a_device = str(system.tmp_path / "plain-file")
    open(not_a_device, "w").close()
    with pytest.raises(volume.VolumeError, match="is not a block device"):
        volume.resolve_device(system, not_a_device)


def test_mountinfo_is_read_with_escapes_and_the_top_mount_wins(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 0:21 / / rw,relatime - overlay overlay rw\n"
        "30 22 7:3 / /srv/syslog\\040archive rw,nodev - ext4 /dev/loop3 rw\n"
        "31 30 7:4 / /srv/syslog\\040archive rw,nodev - ext4 /dev/loop4 rw\n"
    )
    system = volume.System(run_command=None, mountinfo_path=str(mountinfo))
    assert system.mounted_at("/srv/syslog archive") == (os.makedev(7, 4), "/dev/loop4")
    assert system.mounted_at("/srv/other") is None


def test_fstab_paths_with_spaces_are_escaped():
    text, old = volume.fstab_with("", "/srv/syslog archive", volume.fstab_line("u", "/srv/syslog archive", "ext4", "defaults"))
    assert text == "UUID=u /srv/syslog\\040archive ext4 defaults 0 2\n" and old is None
    again, old = volume.fstab_with(text, "/srv/syslog archive", "UUID=v /srv/syslog\\040archive ext4 defaults 0 2")
    assert old == "UUID=u /srv/syslog\\040archive ext4 defaults 0 2" and again.count("\n") == 1


def test_only_ext4_is_offered(system, archive):
    with pytest.raises(volume.VolumeError, match="'btrfs' is not supported"):
        ensure(system, system.add_device("blank"), archive, fstype="btrfs")


def test_a_mount_point_with_files_in_it_is_not_hidden_under_the_volume(system, archive):
    os.makedirs(os.path.join(archive, "10.0.0.5"))
    device = system.add_device("blank")
    with pytest.raises(volume.VolumeError, match=r"archive is not empty \(10.0.0.5, ...\); mounting"):
        ensure(system, device, archive)
    assert system.commands == []
    assert ensure(system, device, archive, force=True)["changed"]


@pytest.mark.parametrize("use,expected", [
    ("mounted", "mounted at /mnt/other"), ("swap", "active swap"), ("holder", "held by dm-0"),
    ("partition", "has the partition loop0p1"),
])
@pytest.mark.parametrize("force", [False, True])
def test_a_device_in_use_is_refused_whatever_force_says(tmp_path, use, expected, force):
    system = FakeSystem(tmp_path)
    device = system.add_device("vol", signatures={"TYPE": "ext4", "UUID": "u-1"})
    number = system.device_number(device)
    if use == "mounted":
        system.mounts["/mnt/other"] = (number, device)
    elif use == "swap":
        system.swaps.add(number)
    elif use == "holder":
        system.holders_of[number] = ["dm-0"]
    else:
        system.partitions_of[number] = ["loop0p1"]
    archive = tmp_path / "archive"
    with pytest.raises(volume.VolumeError, match="is in use: %s.*whatever force says" % expected):
        volume.ensure_volume(system, device, str(archive), force=force)
    assert system.commands == [] and not archive.exists() and system.read_fstab() == ""


def test_the_real_system_reads_mounts_swaps_holders_and_partitions(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("36 35 7:3 / /srv/syslog-archive rw - ext4 /dev/loop3 rw\n"
                         "37 35 7:3 / /mnt/a\\040b rw - ext4 /dev/loop3 rw\n"
                         "38 35 8:1 / / rw - ext4 /dev/sda1 rw\n")
    swaps = tmp_path / "swaps"
    swaps.write_text("Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n")
    sysfs = tmp_path / "block"
    (sysfs / "7:3" / "holders" / "dm-1").mkdir(parents=True)
    (sysfs / "7:3" / "loop3p1").mkdir()
    (sysfs / "7:3" / "loop3p1" / "partition").write_text("1\n")
    (sysfs / "7:3" / "queue").mkdir()
    system = volume.System(None, mountinfo_path=str(mountinfo), swaps_path=str(swaps), sysfs_block=str(sysfs))
    number = os.makedev(7, 3)
    assert system.mount_points(number) == ["/srv/syslog-archive", "/mnt/a b"]
    assert system.swap_device_numbers() == set()
    assert system.holders(number) == ["dm-1"] and system.partitions(number) == ["loop3p1"]
    assert system.holders(os.makedev(8, 1)) == [] and system.partitions(os.makedev(8, 1)) == []
