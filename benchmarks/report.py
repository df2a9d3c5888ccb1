"""Writes docs/benchmarks.md and its plots from the JSON results of make bench.

    python benchmarks/report.py --results build/bench --docs docs

The text around the numbers is benchmarks/notes.md (what the measures mean, why the peers
lose what they lose); every number, ratio and verdict comes from the results.
"""

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TLS_TARGET, RELP_TARGET = 0.9, 0.5
MIN_RUN_SECONDS = 10
OURS, PEER, REFERENCE = "#1f77b4", "#ff7f0e", "#7f7f7f"


def load(results, name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def colour(row):
    return REFERENCE if row["key"] == "ceiling" else OURS if row["ours"] else PEER


def bar_plot(path, labels, values, colours, xlabel, title, marks=()):
    figure, axes = plt.subplots(figsize=(8, 0.5 * len(labels) + 1.4))
    positions = range(len(labels))[::-1]
    axes.barh(list(positions), values, color=colours)
    axes.set_yticks(list(positions))
    axes.set_yticklabels(labels, fontsize=8)
    for value, label in marks:
        axes.axvline(value, color="black", linestyle="--", linewidth=0.8)
        axes.text(value, len(labels) - 0.4, label, fontsize=7, ha="center")
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def throughput_section(pipeline, images):
    rows = pipeline["rows"]
    bar_plot(os.path.join(images, "throughput.png"), [row["label"] for row in rows],
             [row["ratio"] for row in rows], [colour(row) for row in rows], "throughput / ceiling",
             "Throughput through the pipeline to both servers\n(ceiling %.0f msg/s)" % pipeline["ceiling"],
             marks=[(TLS_TARGET, "TLS target"), (RELP_TARGET, "RELP target")])
    lines = ["| configuration | messages/s (median) | ratio to ceiling | messages per run | shortest run (s) | lost | "
             "duplicates | stalled runs (messages left in a disk queue) |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        duplicates = sum(sum(run.get("duplicates", {}).values()) for run in row["runs"])
        stalled_runs = [run for run in row["runs"] if run.get("stalled") or run.get("guard_restarts")]
        lines.append("| %s | %.0f | %.2f | %d | %.1f | %d | %d | %s |" % (
            row["label"], row["rate"], row["ratio"], row["runs"][0]["count"],
            min(run["seconds"] or 0 for run in row["runs"]), row["lost"], duplicates,
            "%d of %d (%s)" % (len(stalled_runs), len(row["runs"]),
                               ", ".join(str(run.get("stalled", 0)) for run in stalled_runs) or "none")
            if row["ours"] else "-"))
    verdicts = []
    targets = (("tls", TLS_TARGET, "TLS"), ("relp", RELP_TARGET, "RELP over TLS"),
               ("tls-memory", TLS_TARGET, "TLS with a large memory queue (not the default)"),
               ("relp-memory", RELP_TARGET, "RELP over TLS with a large memory queue (not the default)"))
    measured = dict((row["key"], row) for row in rows)
    for key, target, name in targets:
        if key not in measured:
            continue
        row = measured[key]
        verdicts.append("- %s: %.2f of the ceiling against a target of %.1f: **%s**." % (
            name, row["ratio"], target, "met" if row["ratio"] >= target else "not met"))
    for row in rows:
        shortest = min(run["seconds"] or 0 for run in row["runs"])
        if shortest < MIN_RUN_SECONDS:
            verdicts.append("- %s: a run took %.1f s, under the %d s a throughput measure needs (its pilot, which "
                            "sized the runs, was slow), so its rate is not a measure of its throughput." % (
                                row["label"], shortest, MIN_RUN_SECONDS))
        if row["ours"] and row["lost"]:
            verdicts.append("- %s: %d messages had not reached a server when their run's deadline passed: **not "
                            "zero lost** (see the queue guard's restarts, and docs/client.md on rsyslog issue 2646)." % (
                                row["label"], row["lost"]))
    parts = []
    for row in rows:
        if row.get("base") in measured:
            base = measured[row["base"]]
            parts.append("- %s: %.2f of the ceiling, %+.2f against %s (%.2f)." % (
                row["label"], row["ratio"], row["ratio"] - base["ratio"], base["label"], base["ratio"]))
    if parts:
        verdicts += ["", "Each of these rows is the collection's TLS configuration with what its label names changed:",
                     ""] + parts
    return "\n".join(lines) + "\n\n" + "\n".join(verdicts) + "\n\n![throughput](benchmarks/throughput.png)\n"


def outage_section(pipeline, images):
    rows = [row for row in pipeline["rows"] if row["outage"]]
    first = rows[0]["outage"]
    labels = [row["label"] for row in rows]
    figure, (lost_axes, drain_axes) = plt.subplots(1, 2, figsize=(10, 0.5 * len(rows) + 1.6))
    positions = list(range(len(rows)))[::-1]
    lost = [100.0 * row["outage"]["lost"]["bench-server1"] / row["outage"]["count"] for row in rows]
    drain = [row["outage"]["drain_seconds"] or 0 for row in rows]
    lost_axes.barh(positions, lost, color=[colour(row) for row in rows])
    lost_axes.set_yticks(positions)
    lost_axes.set_yticklabels(labels, fontsize=8)
    lost_axes.set_xlabel("% of the backlog lost on the server that was down")
    lost_axes.set_xlim(0, 100)
    drain_axes.barh(positions, drain, color=[colour(row) for row in rows])
    drain_axes.set_yticks(positions)
    drain_axes.set_yticklabels([])
    drain_axes.set_xlabel("seconds from the server's return to its last message")
    figure.suptitle("%d s outage of one server at %d msg/s (%d messages)" % (
        first["seconds"], first["rate"], first["count"]), fontsize=10)
    figure.tight_layout()
    figure.savefig(os.path.join(images, "outage.png"), dpi=110)
    plt.close(figure)
    ceiling = pipeline["ceiling"]
    lines = ["| configuration | sent in (s) | lost on the server that was down | lost on the other | drain (s) | "
             "drain rate (msg/s) | drain rate / ceiling |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        result = row["outage"]
        drain_seconds = result["drain_seconds"]
        recovered = result["count"] - result["lost"]["bench-server1"]
        rate = recovered / drain_seconds if drain_seconds else None
        lines.append("| %s | %.1f | %d | %d | %s | %s | %s |" % (
            row["label"], result["send_seconds"], result["lost"]["bench-server1"], result["lost"]["bench-server2"],
            "%.1f" % drain_seconds if drain_seconds is not None else "nothing arrived",
            "%.0f" % rate if rate else "-", "%.2f" % (rate / ceiling) if rate else "-"))
    return "\n".join(lines) + "\n\n![outage](benchmarks/outage.png)\n"


def converge_section(converge, images):
    runs = converge["runs"]
    figure, axes = plt.subplots(figsize=(7, 4))
    clients = [run["clients"] for run in runs]
    for name, label in (("cold", "site.yml, cold"), ("rerun", "site.yml, re-run"), ("trivial", "gather facts only")):
        axes.plot(clients, [run[name] for run in runs], marker="o", label=label)
    axes.set_xlabel("clients (plus the CA and two servers)")
    axes.set_ylabel("seconds")
    axes.set_xticks(clients)
    axes.legend()
    axes.set_title("Converge time", fontsize=10)
    figure.tight_layout()
    figure.savefig(os.path.join(images, "converge.png"), dpi=110)
    plt.close(figure)
    lines = ["| clients | hosts | gather facts only (s) | cold site.yml (s) | ratio | re-run (s) | ratio | "
             "changed on re-run |", "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append("| %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %d |" % (
            run["clients"], run["hosts"], run["trivial"], run["cold"], run["cold"] / run["trivial"], run["rerun"],
            run["rerun"] / run["trivial"], run["rerun_changed"]))
    text = "\n".join(lines) + "\n"
    if "per_client_cold" in converge:
        text += ("\nEach added client costs %.1f s on a cold run and %.1f s on a re-run (least squares over the "
                 "runs), against %.1f s for gathering its facts.\n" % (
                     converge["per_client_cold"], converge["per_client_rerun"], converge["per_client_trivial"]))
    return text + "\n![converge](benchmarks/converge.png)\n"


def signing_section(signing, images):
    rows = signing["rows"]
    bar_plot(os.path.join(images, "signing.png"), [row["label"] for row in rows], [row["ratio"] for row in rows],
             [REFERENCE] + [OURS] * (len(rows) - 1), "certificates/s / bare loop",
             "Certificate issuance, %d hosts" % signing["hosts"], marks=[(0.8, "target")])
    lines = ["| signer (%d hosts, median of %d) | seconds | certificates/s | ratio to bare loop |" % (
        signing["hosts"], signing["repeat"]), "|---|---|---|---|"]
    for row in rows:
        lines.append("| %s | %.2f | %.0f | %.2f |" % (row["label"], row["seconds"], row["rate"], row["ratio"]))
    return "\n".join(lines) + "\n\n![signing](benchmarks/signing.png)\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--docs", required=True)
    args = parser.parse_args()

    images = os.path.join(args.docs, "benchmarks")
    os.makedirs(images, exist_ok=True)
    with open(os.path.join(HERE, "notes.md")) as handle:
        notes = handle.read()
    sections = {}
    pipeline = load(args.results, "pipeline")
    if pipeline:
        sections["throughput"] = throughput_section(pipeline, images)
        sections["outage"] = outage_section(pipeline, images)
    converge = load(args.results, "converge")
    if converge:
        sections["converge"] = converge_section(converge, images)
    signing = load(args.results, "signing")
    if signing:
        sections["signing"] = signing_section(signing, images)
    dates = sorted(set(result["measured"] for result in (pipeline, converge, signing) if result))
    sections["measured"] = ", ".join(dates)
    missing = [name for name in ("throughput", "outage", "converge", "signing") if name not in sections]
    for name in missing:
        sections[name] = "_Not measured in this run._\n"
    with open(os.path.join(args.docs, "benchmarks.md"), "w") as handle:
        handle.write(notes.format(**sections))


if __name__ == "__main__":
    main()
