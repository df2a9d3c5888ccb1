#!/usr/bin/env bash
# Builds a Debian systemd image for the lab with debootstrap, once. The tag is a hash of
# the recipe below, so a changed package list builds a new image and an unchanged one is
# reused.
# Usage: build-image.sh SUITE IMAGE   (for example: build-image.sh bookworm localhost/auditlog-debian12)
set -euo pipefail

suite=$1
image=$2

# debootstrap resolves only simple dependencies: it gets the bootable base, apt in the
# chroot adds the packages the roles would install anyway (pre-installed, runs are faster).
base=systemd,systemd-sysv,dbus,python3
extra="python3-apt python3-cryptography rsyslog rsyslog-gnutls rsyslog-openssl rsyslog-relp logrotate openssl iproute2 procps e2fsprogs"
recipe_version=1
tag=$(printf '%s\n' "$suite" "$base" "$extra" "$recipe_version" | sha256sum | cut -c1-12)

if podman image exists "$image:$tag"; then
    podman tag "$image:$tag" "$image:latest"
    exit 0
fi

# The mirror comes from the machine's own apt configuration, never a hard-coded host.
mirror=$(
    cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
        awk '$1 == "URIs:" || $1 == "deb" { print $2 }' |
        grep -E '/debian/?$' | head -n1 || true
)
[[ -n $mirror ]] || { echo "build-image: no Debian mirror found in apt sources" >&2; exit 1; }

work=$(mktemp -d /var/tmp/auditlog-image.XXXXXX)
rootfs=$work/rootfs
cleanup() {
    mountpoint -q "$rootfs/proc" && umount "$rootfs/proc"
    rm -rf "$work"
}
trap cleanup EXIT
log=$work/build.log
fail() { tail -n 40 "$log" >&2; [[ -f $rootfs/debootstrap/debootstrap.log ]] && tail -n 40 "$rootfs/debootstrap/debootstrap.log" >&2; exit 1; }

echo "lab: building $image:$tag from $suite ($mirror); this takes a few minutes"
debootstrap --variant=minbase --include="$base" "$suite" "$rootfs" "$mirror" >"$log" 2>&1 || fail
mount -t proc proc "$rootfs/proc"
# shellcheck disable=SC2086 # the package list is meant to split into words
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $extra >>"$log" 2>&1 || fail
umount "$rootfs/proc"

# A container has no consoles to serve.
for unit in getty@tty1.service console-getty.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
: >"$rootfs/etc/machine-id"
chroot "$rootfs" apt-get clean

tar -C "$rootfs" -c . | podman import --change 'CMD ["/sbin/init"]' - "$image:$tag" >/dev/null
podman tag "$image:$tag" "$image:latest"
echo "lab: built $image:$tag"
