#!/usr/bin/env bash
# Builds a Debian virtual machine for the auditd scenario, once: auditd needs a kernel of its
# own (the kernel accepts an audit daemon only from its initial PID namespace, never from a
# container). The root filesystem is one of the lab's images plus a kernel, sshd and auditd;
# the result is a raw ext4 disk and the kernel and initrd to boot it with. The tag is a hash
# of the base image, the recipe and the login key, so an unchanged machine is reused.
# Usage: build-vm-image.sh BASE_IMAGE OUTPUT_DIR   (writes OUTPUT_DIR/current -> OUTPUT_DIR/<tag>)
# for example: build-vm-image.sh localhost/auditlog-debian12:latest build/vm/debian12
set -euo pipefail

base_image=$1
out=$2
packages="linux-image-cloud-amd64 openssh-server auditd"
recipe_version=3

mkdir -p "$out"
key=$out/id_ed25519
[[ -f $key ]] || ssh-keygen -q -t ed25519 -N '' -C auditlog-molecule-vm -f "$key"

tag=$(
    {
        podman image inspect --format '{{.Id}}' "$base_image"
        printf '%s\n' "$packages" "$recipe_version"
        cat "$key.pub"
    } | sha256sum | cut -c1-12
)
image_dir=$out/$tag
if [[ -f $image_dir/rootfs.img ]]; then
    ln -sfn "$tag" "$out/current"
    exit 0
fi

work=$(mktemp -d /var/tmp/auditlog-vm.XXXXXX)
rootfs=$work/rootfs
container=""
cleanup() {
    mountpoint -q "$rootfs/proc" && umount "$rootfs/proc"
    [[ -n $container ]] && podman rm -f "$container" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
log=$work/build.log
fail() { tail -n 40 "$log" >&2; exit 1; }

echo "vm: building the auditd test machine $tag from $base_image; this takes a few minutes"
mkdir -p "$rootfs"
container=$(podman create "$base_image")
podman export "$container" | tar -C "$rootfs" -x

mount -t proc proc "$rootfs/proc"
# shellcheck disable=SC2086 # the package list is meant to split into words
{
    chroot "$rootfs" apt-get update -q &&
        chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends $packages
} >"$log" 2>&1 || fail
chroot "$rootfs" apt-get clean
# apt's package cache, which clean removed, costs 10 seconds to rebuild on the emulated CPU.
chroot "$rootfs" apt-cache gencaches >>"$log" 2>&1 || fail
umount "$rootfs/proc"

# The container image masks the consoles; a machine has one, on its serial port.
rm -f "$rootfs/etc/systemd/system/getty@tty1.service" "$rootfs/etc/systemd/system/console-getty.service"
# Molecule names the machine (prepare.yml).
echo auditlog-vm >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n' >"$rootfs/etc/hosts"
printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' >"$rootfs/etc/fstab"

# QEMU's user network: an address by DHCP, the host's loopback as 10.0.2.2.
cat >"$rootfs/etc/systemd/network/20-wired.network" <<'NETWORK'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
NETWORK
chroot "$rootfs" systemctl enable systemd-networkd.service ssh.service >>"$log" 2>&1 || fail
# A test machine lives for minutes: no housekeeping (apt-daily would even download) on the
# emulated CPU.
chroot "$rootfs" systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer logrotate.timer >>"$log" 2>&1 || fail

install -d -m 0700 "$rootfs/root/.ssh"
install -m 0600 "$key.pub" "$rootfs/root/.ssh/authorized_keys"

mkdir -p "$image_dir"
cp "$rootfs"/boot/vmlinuz-* "$image_dir/vmlinuz"
cp "$rootfs"/boot/initrd.img-* "$image_dir/initrd.img"
mkfs.ext4 -q -L root -d "$rootfs" "$image_dir/rootfs.img.tmp" 3G
mv "$image_dir/rootfs.img.tmp" "$image_dir/rootfs.img"
ln -sfn "$tag" "$out/current"
# Machines of an older recipe or base image are not booted again.
find "$out" -mindepth 1 -maxdepth 1 -type d ! -name "$tag" -exec rm -rf {} +
echo "vm: built $image_dir"
