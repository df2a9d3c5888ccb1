#!/usr/bin/env bash
# Installs podman and its helpers if missing and writes the three settings these
# machines need (see docs/lab.md): runc instead of crun, the cgroupfs manager, and
# ulimits at or below the machine's hard limits.
set -euo pipefail

need=()
for cmd in podman runc debootstrap; do
    command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
if ((${#need[@]})); then
    echo "lab: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
wanted=$(cat <<'CONF'
# Written by auditlog.fleet's lab setup (tests/lab/podman-setup.sh).
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
)
if [[ ! -f $conf ]] || [[ "$(cat "$conf")" != "$wanted" ]]; then
    if [[ -f $conf ]] && ! grep -q "auditlog.fleet" "$conf"; then
        cp -p "$conf" "$conf.before-auditlog-lab"
    fi
    mkdir -p /etc/containers
    printf '%s\n' "$wanted" >"$conf.tmp"
    mv "$conf.tmp" "$conf"
    echo "lab: wrote $conf"
fi
