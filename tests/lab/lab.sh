#!/usr/bin/env bash
# The lab: a CA, two central servers and three clients (Debian 12 and 13) as systemd
# containers on one podman network, deployed with playbooks/site.yml and proven with
# playbooks/verify.yml.   Usage: lab.sh up | down
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
network=auditlog-lab
inventory=$here/inventory.yml
ansible_bin=$top/.venv/bin
# What the controller keeps of each server's sealing key and head: the server role's default
# place (syslog_server_seal_controller_dir), beside the inventory. It belongs to this lab's
# servers and goes with them.
seal_dir=$here/.auditlog-seal

# host → Debian release of its image
declare -A release=(
    [lab-ca]=12
    [lab-server1]=12 [lab-server2]=13
    [lab-client1]=12 [lab-client2]=13 [lab-client3]=12
)
hosts=(lab-ca lab-server1 lab-server2 lab-client1 lab-client2 lab-client3)

start_container() {
    local name=$1 image=localhost/auditlog-debian${release[$1]}:latest
    if [[ $(podman container inspect --format '{{.State.Running}}' "$name" 2>/dev/null) == true ]]; then
        return
    fi
    podman rm -f "$name" >/dev/null 2>&1 || true
    # A new server makes a new sealing key: the pins of the one it replaces would refuse it.
    rm -f "$seal_dir/$name".*
    podman run --detach --name "$name" --hostname "$name" --network "$network" \
        --systemd=always "$image" /sbin/init >/dev/null
}

wait_for_systemd() {
    local name=$1 state
    for _ in $(seq 60); do
        state=$(podman exec "$name" systemctl is-system-running 2>/dev/null || true)
        [[ $state == running || $state == degraded ]] && return
        sleep 1
    done
    echo "lab: $name did not finish booting (systemd says: $state)" >&2
    exit 1
}

# Runs a playbook and prints the recap's total of changed tasks on stdout.
run_playbook() {
    local playbook=$1 log
    log=$(mktemp)
    if ! (cd "$top" && "$ansible_bin/ansible-playbook" -i "$inventory" "$playbook") >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    cat "$log" >&2
    awk '/PLAY RECAP/ { recap = 1; next } recap && /changed=/ { sub(/.*changed=/, ""); sum += $1 } END { print sum + 0 }' "$log"
    rm -f "$log"
}

up() {
    bash "$here/build-image.sh" bookworm localhost/auditlog-debian12
    bash "$here/build-image.sh" trixie localhost/auditlog-debian13
    podman network exists "$network" || podman network create "$network" >/dev/null
    for host in "${hosts[@]}"; do start_container "$host"; done
    for host in "${hosts[@]}"; do wait_for_systemd "$host"; done

    echo "lab: deploying with playbooks/site.yml"
    changed=$(run_playbook playbooks/site.yml)
    echo "lab: proving delivery with playbooks/verify.yml"
    run_playbook playbooks/verify.yml >/dev/null 2>"$here/verify.log" || { cat "$here/verify.log" >&2; exit 1; }

    echo
    echo "== auditlog.fleet lab =="
    printf '%-14s %s\n' host "Debian"
    for host in "${hosts[@]}"; do printf '%-14s %s\n' "$host" "${release[$host]}"; done
    echo
    echo "Canary delivery (client, server, result):"
    awk '/TASK \[Show the table\]/ { table = 1; next } table && /^TASK/ { exit } table && /^ *- / { sub(/^ *- /, "  "); print }' "$here/verify.log"
    echo
    echo "site.yml changed tasks on this run: $changed (0 means the fleet was already converged)"
}

down() {
    for host in "${hosts[@]}"; do podman rm -f "$host" >/dev/null 2>&1 || true; done
    podman network exists "$network" && podman network rm "$network" >/dev/null
    rm -f "$here/verify.log"
    rm -rf "$seal_dir"
    echo "lab: removed"
}

case ${1:-} in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
