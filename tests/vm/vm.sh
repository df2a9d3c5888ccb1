#!/usr/bin/env bash
# Starts or stops the auditd scenario's virtual machine (built by build-vm-image.sh).
# QEMU emulates the CPU (TCG): KVM is offered on these machines but hangs a guest at boot.
# The disk is used as a snapshot, so every start boots the image as built. The machine's
# sshd is on 127.0.0.1:PORT, and the machine reaches the host's loopback at 10.0.2.2.
# Usage: vm.sh start VM_DIR PORT | vm.sh stop VM_DIR
set -euo pipefail

action=$1
dir=$2
pidfile=$dir/qemu.pid

stop() {
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")"
        for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$pidfile"
}

case $action in
start)
    port=$3
    stop
    image=$dir/current
    qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 1024 \
        -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 audit=1 audit_backlog_limit=8192" \
        -drive "file=$image/rootfs.img,format=raw,if=virtio,snapshot=on" \
        -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
        -display none -serial "file:$dir/console.log" -daemonize -pidfile "$pidfile"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: vm.sh start VM_DIR PORT | vm.sh stop VM_DIR" >&2
    exit 2
    ;;
esac
