#!/usr/bin/env bash
# Builds a Debian systemd image for the lab with debootstrap. The tag is a hash of the
# recipe below, so a changed package list builds a new image and an unchanged one is reused,
# for at most AUDITLOG_IMAGE_MAX_AGE_DAYS (7): then it is built again from the day's
# packages, so that a machine that has tested for months tests what a new machine installs.
# Usage: build-image.sh SUITE IMAGE   (for example: build-image.sh bookworm localhost/auditlog-debian12)
set -euo pipefail

suite=$1
image=$2
max_age_days=${AUDITLOG_IMAGE_MAX_AGE_DAYS:-7}
[[ $max_age_days =~ ^[0-9]+$ ]] || { echo "build-image: AUDITLOG_IMAGE_MAX_AGE_DAYS must be a number of days" >&2; exit 2; }

# debootstrap resolves only simple dependencies: it gets the bootable base, apt in the
# chroot adds the packages the roles would install anyway (pre-installed, runs are faster).
base=systemd,systemd-sysv,dbus,python3
extra="python3-apt python3-cryptography rsyslog rsyslog-gnutls rsyslog-openssl rsyslog-relp logrotate openssl iproute2 procps e2fsprogs"
recipe_version=1
tag=$(printf '%s\n' "$suite" "$base" "$extra" "$recipe_version" | sha256sum | cut -c1-12)

if podman image exists "$image:$tag"; then
    created=$(podman image inspect --format '{{.Created.Unix}}' "$image:$tag")
    if (($(date +%s) - created < max_age_days * 86400)); then
        podman tag "$image:$tag" "$image:latest"
        exit 0
    fi
    echo "lab: $image:$tag was built $(((($(date +%s) - created)) / 86400)) days ago, more than $max_age_days"
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

# Earlier builds (an older recipe, or this one before it aged) lose their tags to this one.
earlier=$(podman images --noheading --format '{{.Id}}' --filter "reference=$image" | sort -u)
tar -C "$rootfs" -c . | podman import --change 'CMD ["/sbin/init"]' - "$image:$tag" >/dev/null
podman tag "$image:$tag" "$image:latest"
# They are not used again; one that a container still runs on stays until that container is gone.
for id in $earlier; do
    podman rmi "$id" >/dev/null 2>&1 || true
done
echo "lab: built $image:$tag"
