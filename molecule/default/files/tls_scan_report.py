"""Judge an sslyze JSON report (the file named) against the collection's TLS policy.

Prints one line per scanned port: the protocol versions and cipher suites it accepted.
Exits 1 if any port accepted SSL 2/3 or TLS 1.0/1.1, a TLS 1.2 suite without forward secrecy
(ECDHE) or without authenticated encryption (GCM, ChaCha20-Poly1305, CCM with a full tag),
lacked TLS 1.3, or could not be scanned: a port or a scan command that sslyze could not
complete is named with sslyze's reason, never taken for a refusal.
"""

import json
import sys

OLD_VERSIONS = ("ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1")
VERSIONS = OLD_VERSIONS + ("tls_1_2", "tls_1_3")
AEAD = ("_GCM_", "_CHACHA20_POLY1305_", "_CCM")


def strong_tls_1_2(name):
    return name.startswith("TLS_ECDHE_") and any(part in name + "_" for part in AEAD) and "_CCM_8" not in name


def last_line(trace):
    """The exception line of a Python traceback that sslyze wrote as text."""
    lines = [line.strip() for line in (trace or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no trace"


def judge_port(server):
    """(summary line or None, failures) for one port's entry of the report."""
    location = server.get("server_location") or {}
    target = "%s:%s" % (location.get("ip_address") or location.get("hostname"), location.get("port"))
    if server.get("connectivity_status") != "COMPLETED":
        return None, ["%s: not reachable (%s)" % (target, last_line(server.get("connectivity_error_trace")))]
    if server.get("scan_status") != "COMPLETED" or not server.get("scan_result"):
        return None, ["%s: not scanned (%s)" % (target, server.get("scan_status"))]
    failures = []
    accepted = {}
    for version in VERSIONS:
        attempt = server["scan_result"].get(version + "_cipher_suites") or {}
        if attempt.get("status") != "COMPLETED" or not attempt.get("result"):
            failures.append("%s: the %s scan did not complete: %s, %s, %s" % (
                target, version, attempt.get("status", "missing"), attempt.get("error_reason"),
                last_line(attempt.get("error_trace"))))
            continue
        accepted[version] = [suite["cipher_suite"]["name"] for suite in attempt["result"]["accepted_cipher_suites"]]
    listing = "; ".join("%s %s" % (version, " ".join(names)) for version, names in accepted.items() if names)
    summary = "%s: %s" % (target, listing) if accepted else None
    for version in OLD_VERSIONS:
        if accepted.get(version):
            failures.append("%s accepts %s" % (target, version))
    weak = [name for name in accepted.get("tls_1_2", []) if not strong_tls_1_2(name)]
    if weak:
        failures.append("%s accepts weak TLS 1.2 suites %s" % (target, " ".join(weak)))
    if "tls_1_3" in accepted and not accepted["tls_1_3"]:
        failures.append("%s does not speak TLS 1.3" % target)
    return summary, failures


def judge(report):
    """(summary lines, failures) for a whole report."""
    summaries, failures = [], []
    for invalid in report.get("invalid_server_strings") or []:
        failures.append("%s: not scanned (%s)" % (invalid.get("server_string"), invalid.get("error_message")))
    servers = report.get("server_scan_results") or []
    if not servers:
        failures.append("the report holds no scanned server")
    for server in servers:
        summary, port_failures = judge_port(server)
        if summary:
            summaries.append(summary)
        failures.extend(port_failures)
    return summaries, failures


def main():
    with open(sys.argv[1]) as handle:
        summaries, failures = judge(json.load(handle))
    for line in summaries:
        print(line)
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
