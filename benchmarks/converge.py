"""Converge time: a cold site.yml for the CA, two servers and N clients, and an idempotent
re-run, each against a trivial gather-facts play over the same hosts, for N = 3, 10 and 20.

    python benchmarks/converge.py --output build/bench/converge.json [--clients 3 10 20]

Every N starts from fresh containers. The re-run must change nothing.
"""

import argparse
import json
import os
import sys
import time

import lab

SERVERS = ["bench-server1", "bench-server2"]


def measure(clients):
    names = ["bench-client%02d" % number for number in range(1, clients + 1)]
    hosts = ["bench-ca"] + SERVERS + names
    inventory = os.path.join(lab.TOP, "build", "bench", "converge-inventory.yml")
    lab.up(hosts)
    try:
        lab.write_inventory(inventory, SERVERS, names)
        trivial, dummy = lab.playbook(inventory, os.path.join(lab.HERE, "trivial.yml"))
        cold, cold_changed = lab.playbook(inventory, "site.yml")
        rerun, rerun_changed = lab.playbook(inventory, "site.yml")
    finally:
        lab.down(hosts)
    return {"clients": clients, "hosts": len(hosts), "trivial": trivial, "cold": cold, "cold_changed": cold_changed,
            "rerun": rerun, "rerun_changed": rerun_changed}


def slope(points):
    """Least-squares seconds per added client."""
    mean_x = sum(x for x, y in points) / len(points)
    mean_y = sum(y for x, y in points) / len(points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, y in points)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--clients", type=int, nargs="+", default=[3, 10, 20])
    args = parser.parse_args()

    runs = []
    for clients in args.clients:
        runs.append(measure(clients))
        print("converge %s" % runs[-1], flush=True)
    results = {"measured": time.strftime("%Y-%m-%d"), "runs": runs}
    if len(runs) > 1:
        for name in ("trivial", "cold", "rerun"):
            results["per_client_" + name] = slope([(run["clients"], run[name]) for run in runs])
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(results, handle, indent=2)
    not_idempotent = [run["clients"] for run in runs if run["rerun_changed"]]
    if not_idempotent:
        print("site.yml changed tasks on its re-run with %s clients" % not_idempotent, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
