"""Throughput and outage recovery through the deployed pipeline: an application on a client
logs into the local rsyslog, which forwards to both central servers, whose receivers write
the client's archive file. Every message is counted on both servers.

    python benchmarks/pipeline.py --output build/bench/pipeline.json [--repeat 3]

Each configuration runs on a client of its own, deployed by site.yml with a certificate from
the fleet's CA: the collection's TLS and RELP configurations as the client role writes them
(some with one change, to see what it costs), and, in place of the role's file, the ceiling
(plain TCP, no queue) and what linux-system-roles/logging and DebOps write for the same job
(benchmarks/configs/). The ceiling is the reference every throughput is divided by.
"""

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import time

import jinja2

import lab

SERVERS = ["bench-server1", "bench-server2"]
# A run has stalled when nothing more has arrived for this long while messages are missing.
STALL_SECONDS = 60
# Two seconds at the ceiling: a shorter pilot mostly measures the start of a run.
PILOT = 300000
SOCKET = "/run/auditlog-bench.sock"
ROLE_CONFIG = "/etc/rsyslog.d/50-auditlog-client.conf"
INPUT_CONFIG = "/etc/rsyslog.d/10-auditlog-bench-input.conf"
TLS = {"ca": "/etc/auditlog/tls/ca.pem", "certificate": "/etc/auditlog/tls/host.pem", "key": "/etc/auditlog/tls/host.key"}


class Row:
    """A configuration under test: the client role's file as deployed with HOST_VARS, a
    TEMPLATE from benchmarks/configs/ in its place, or the role's file with an EDIT (a
    function of its text). A row with a BASE differs from that row in what its label says,
    to take the BASE row's cost apart."""

    def __init__(self, key, client, label, template=None, host_vars=None, outage=True, edit=None, base=None):
        self.key, self.client, self.label, self.template = key, client, label, template
        self.host_vars, self.outage, self.edit, self.base = host_vars or {}, outage, edit, base

    @property
    def archive(self):
        """Where the servers keep this client's messages: plain TCP is filed as unauthenticated."""
        prefix = "/srv/syslog-archive/unauthenticated/" if self.template == "ceiling.conf.j2" else "/srv/syslog-archive/"
        return prefix + lab.address(self.client) + "/syslog.log"

    @property
    def ours(self):
        return self.template is None


def replace_per_server(pattern, replacement, config):
    """CONFIG with PATTERN replaced in every server's action, which must each have it once."""
    edited, found = re.subn(pattern, replacement, config)
    if found != len(SERVERS):
        raise RuntimeError("%r found %d times in the role's file, not once per server" % (pattern, found))
    return edited


def in_memory_only(config):
    """Without queue.filename an action queue never goes to disk."""
    return replace_per_server(r'\n *queue\.filename="[^"]*"', "", config)


def peers_format(config):
    """The peers' forward format (traditional, no structured data) and framing (a line feed)."""
    config = replace_per_server(r'template="RSYSLOG_SyslogProtocol23Format"', 'template="RSYSLOG_ForwardFormat"',
                                config)
    return replace_per_server(r'\n *TCP_Framing="octet-counted"', "", config)


def peers_choices(config):
    return peers_format(in_memory_only(config))


ROWS = [
    Row("ceiling", "bench-ceiling", "plain TCP, no queue (the ceiling, reference)", "ceiling.conf.j2", outage=False),
    Row("tls", "bench-tls", "auditlog.fleet, TLS"),
    Row("relp", "bench-relp", "auditlog.fleet, RELP over TLS (window 1024)", host_vars={"syslog_client_transport": "relp"}),
    Row("relp-stock", "bench-relp-stock", "auditlog.fleet, RELP over TLS with the stock window (128)",
        host_vars={"syslog_client_transport": "relp", "syslog_client_relp_window_size": 128}, outage=False),
    Row("tls-memory", "bench-tls-memory", "auditlog.fleet, TLS, 100,000 messages in memory",
        host_vars={"syslog_client_queue_size": 100000}, outage=False),
    Row("relp-memory", "bench-relp-memory", "auditlog.fleet, RELP over TLS, 100,000 messages in memory",
        host_vars={"syslog_client_transport": "relp", "syslog_client_queue_size": 100000}, outage=False),
    Row("tls-in-memory", "bench-tls-in-memory", "auditlog.fleet, TLS, queue in memory only (not disk-assisted)",
        outage=False, edit=in_memory_only, base="tls"),
    Row("tls-peers-format", "bench-tls-peers-format", "auditlog.fleet, TLS, the peers' format and framing",
        outage=False, edit=peers_format, base="tls"),
    Row("tls-peers-choices", "bench-tls-peers-choices",
        "auditlog.fleet, TLS, in memory only, the peers' format and framing",
        outage=False, edit=peers_choices, base="tls"),
    Row("lsr", "bench-lsr", "linux-system-roles/logging defaults, TLS", "linux-system-roles.conf.j2"),
    Row("debops", "bench-debops", "DebOps defaults, TLS", "debops.conf.j2"),
]


def deploy(inventory):
    lab.up(["bench-ca"] + SERVERS + [row.client for row in ROWS])
    lab.write_inventory(inventory, SERVERS, [row.client for row in ROWS],
                        group_vars={"syslog_server_legacy_enabled": True, "syslog_client_heartbeat_interval": 0},
                        host_vars=dict((row.client, row.host_vars) for row in ROWS if row.host_vars))
    lab.playbook(inventory, "site.yml")


def configure(row):
    """The benchmark's input on every client; the role's file edited, if the row says so, or the
    ceiling's or a peer's forwarding in its place."""
    with open(os.path.join(lab.HERE, "configs", "input.conf")) as handle:
        lab.container_exec(row.client, ["tee", INPUT_CONFIG], stdin=handle.read())
    if row.edit:
        config = lab.container_exec(row.client, ["cat", ROLE_CONFIG]).stdout
        lab.container_exec(row.client, ["tee", ROLE_CONFIG], stdin=row.edit(config))
    if not row.ours:
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(lab.HERE, "configs")),
                                         undefined=jinja2.StrictUndefined, trim_blocks=True)
        text = environment.get_template(row.template).render(servers=SERVERS, tls=TLS)
        lab.container_exec(row.client, ["rm", "-f", ROLE_CONFIG])
        lab.container_exec(row.client, ["tee", "/etc/rsyslog.d/50-bench-%s.conf" % row.key], stdin=text)
    lab.container_exec(row.client, ["rsyslogd", "-N1"])
    lab.container_exec(row.client, ["systemctl", "restart", "rsyslog"])
    for dummy in range(50):
        if lab.container_exec(row.client, ["test", "-S", SOCKET], check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("%s: rsyslog did not open %s" % (row.client, SOCKET))


def start_counters(row, tag, count, deadline, give_up_idle=STALL_SECONDS, offsets=None):
    """A counter of the run TAG on each server, from OFFSETS (server: byte) or the file's end; it
    gives up once nothing has arrived for GIVE_UP_IDLE seconds."""
    return [lab.start_agent(server, "count.py", [
        "--path", row.archive, "--tag", tag, "--expected", str(count), "--deadline", str(deadline),
        "--give-up-idle", str(give_up_idle)] + (["--offset", str(offsets[server])] if offsets else []))
        for server in SERVERS]


def send_and_count(row, count, rate=0, deadline=300, give_up_idle=STALL_SECONDS, during=None):
    """Sends COUNT messages from the row's client and counts them on both servers. DURING, if
    given, is called once the sender has finished, before the counts are awaited. Returns the
    sender's report, each server's count, what DURING returned, and the run's tag."""
    tag = "bench-%s-%s" % (row.key, secrets.token_hex(4))
    counters = start_counters(row, tag, count, deadline, give_up_idle)
    sent = lab.run_agent(row.client, "send.py", ["--socket", SOCKET, "--tag", tag, "--count", str(count),
                                                 "--rate", str(rate)])
    resumed = during() if during else None
    counts = dict(zip(SERVERS, (lab.finish_agent(counter) for counter in counters)))
    return sent, counts, resumed, tag


def guard_restarts(row):
    """How often the client's queue guard has restarted rsyslog (the collection's rows only)."""
    if not row.ours:
        return 0
    found = lab.container_exec(row.client, ["cat", "/var/lib/prometheus/node-exporter/auditlog_queue_guard.prom"],
                               check=False).stdout
    return int(found.split()[-1]) if found.strip() else 0


def disk_queued(row):
    """Messages in the disk part of the client's queues, from its metrics (written every 30 s)."""
    metrics = lab.container_exec(row.client, ["cat", "/var/lib/prometheus/node-exporter/auditlog_client.prom"]).stdout
    return sum(int(float(line.split()[-1])) for line in metrics.splitlines()
               if line.startswith("rsyslog_queue_size{") and "[DA]" in line)


def throughput_run(row, count):
    """One run; its time ends when the last message is in both archives. Messages that rsyslog
    issue 2646 leaves in a disk queue (nothing arrives for STALL_SECONDS while some are
    missing) are delivered by restarting rsyslog, as the queue guard would minutes later, and
    counted again: "stalled" says how many waited, "lost" how many never arrived."""
    restarts = guard_restarts(row)
    sent, counts, dummy, tag = send_and_count(row, count, deadline=max(300, count / 2000))
    lasts = [result["last"] for result in counts.values()]
    seconds = max(lasts) - sent["start"] if None not in lasts else None
    delivered = dict((server, result["distinct"]) for server, result in counts.items())
    copies = dict((server, result["copies"]) for server, result in counts.items())
    stalled, in_disk_queue = 0, None
    if row.ours and min(delivered.values()) < count:
        time.sleep(35)
        in_disk_queue = disk_queued(row)
        offsets = dict((server, result["offset"]) for server, result in counts.items())
        recounters = start_counters(row, tag, count, 300, offsets=offsets)
        lab.container_exec(row.client, ["systemctl", "restart", "rsyslog"])
        recounts = dict(zip(SERVERS, (lab.finish_agent(counter) for counter in recounters)))
        stalled = sum(recounts[server]["distinct"] - delivered[server] for server in SERVERS)
        delivered = dict((server, result["distinct"]) for server, result in recounts.items())
        copies = dict((server, result["copies"]) for server, result in recounts.items())
    return {"count": count, "seconds": seconds, "rate": count / seconds if seconds else 0,
            "lost": dict((server, count - delivered[server]) for server in SERVERS),
            "duplicates": dict((server, copies[server] - delivered[server]) for server in SERVERS),
            "stalled": stalled, "in_disk_queue": in_disk_queue,
            "guard_restarts": guard_restarts(row) - restarts}


def throughput(rows, repeat, seconds):
    """A pilot of PILOT messages sizes each row's runs to SECONDS at the pilot's rate (runs go
    faster than their pilot); rows alternate in each round, so that drift in the machine's
    speed hits every row alike."""
    sizes = {}
    for row in rows:
        pilot = throughput_run(row, PILOT)
        sizes[row.key] = max(PILOT, int(pilot["rate"] * seconds))
        print("pilot %-12s %8.0f msg/s -> %d messages a run" % (row.key, pilot["rate"], sizes[row.key]), flush=True)
    runs = dict((row.key, []) for row in rows)
    for round_number in range(repeat):
        for row in rows:
            result = throughput_run(row, sizes[row.key])
            runs[row.key].append(result)
            print("round %d %-12s %8.0f msg/s over %.1f s, lost %s, stalled %d (disk queue %s), guard restarts %d" % (
                round_number + 1, row.key, result["rate"], result["seconds"] or 0, result["lost"],
                result["stalled"], result["in_disk_queue"], result["guard_restarts"]), flush=True)
    return runs


def outage(row, rate, seconds):
    """The first server's receiver is stopped; the application logs RATE messages a second for
    SECONDS; the receiver starts again. Drain: from that start until the last message arrives."""
    count = int(rate * seconds)
    lab.container_exec(SERVERS[0], ["systemctl", "stop", "auditlog-receiver.service"])

    def restart():
        started = time.time()
        lab.container_exec(SERVERS[0], ["systemctl", "start", "auditlog-receiver.service"])
        return started

    try:
        wait = seconds * 3 + 120
        sent, counts, restarted, dummy = send_and_count(row, count, rate=rate, deadline=wait, give_up_idle=wait,
                                                        during=restart)
    finally:
        lab.container_exec(SERVERS[0], ["systemctl", "start", "auditlog-receiver.service"])
    down = counts[SERVERS[0]]
    return {"rate": rate, "seconds": seconds, "count": count,
            "send_seconds": sent["end"] - sent["start"],
            "drain_seconds": (down["last"] - restarted) if down["last"] and down["distinct"] else None,
            "lost": dict((server, count - result["distinct"]) for server, result in counts.items()),
            "duplicates": dict((server, result["copies"] - result["distinct"]) for server, result in counts.items())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15, help="length of each throughput run at the pilot's rate")
    parser.add_argument("--outage-rate", type=float, default=500)
    parser.add_argument("--outage-seconds", type=float, default=60)
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()

    inventory = os.path.join(lab.TOP, "build", "bench", "pipeline-inventory.yml")
    try:
        deploy(inventory)
        for row in ROWS:
            configure(row)
        runs = throughput(ROWS, args.repeat, args.seconds)
        outages = {}
        for row in ROWS:
            if row.outage:
                outages[row.key] = outage(row, args.outage_rate, args.outage_seconds)
                print("outage %-12s %s" % (row.key, outages[row.key]), flush=True)
    finally:
        if not args.keep:
            lab.down(lab.bench_containers())
    ceiling = statistics.median(run["rate"] for run in runs["ceiling"])
    results = {"measured": time.strftime("%Y-%m-%d"), "ceiling": ceiling, "rows": []}
    for row in ROWS:
        rate = statistics.median(run["rate"] for run in runs[row.key])
        results["rows"].append({
            "key": row.key, "label": row.label, "ours": row.ours, "base": row.base, "rate": rate, "ratio": rate / ceiling,
            "runs": runs[row.key], "lost": sum(sum(run["lost"].values()) for run in runs[row.key]),
            "outage": outages.get(row.key)})
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(results, handle, indent=2)
    lost_by_ours = [row["key"] for row in results["rows"] if row["ours"] and (
        row["lost"] or (row["outage"] and sum(row["outage"]["lost"].values())))]
    if lost_by_ours:
        print("auditlog.fleet lost messages in: %s" % ", ".join(lost_by_ours), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
