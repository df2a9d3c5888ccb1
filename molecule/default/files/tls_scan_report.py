"""Judge an sslyze JSON report (the file named) against the collection's TLS policy.

Prints one line per scanned port: the protocol versions and cipher suites it accepted.
Exits 1 if any port accepted SSL 2/3 or TLS 1.0/1.1, a TLS 1.2 suite without forward secrecy
(ECDHE) or without authenticated encryption (GCM, ChaCha20-Poly1305, CCM with a full tag),
lacked TLS 1.3, or could not be scanned.
"""

import json
import sys

OLD_VERSIONS = ("ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1")
AEAD = ("_GCM_", "_CHACHA20_POLY1305_", "_CCM")


def strong_tls_1_2(name):
    return name.startswith("TLS_ECDHE_") and any(part in name + "_" for part in AEAD) and "_CCM_8" not in name


def main():
    with open(sys.argv[1]) as handle:
        report = json.load(handle)
    failures = []
    for server in report["server_scan_results"]:
        target = "%s:%s" % (server["server_location"]["ip_address"], server["server_location"]["port"])
        if server["scan_status"] != "COMPLETED":
            failures.append("%s: not scanned (%s)" % (target, server["scan_status"]))
            continue
        accepted = {}
        for version in OLD_VERSIONS + ("tls_1_2", "tls_1_3"):
            result = server["scan_result"][version + "_cipher_suites"]["result"]
            accepted[version] = [suite["cipher_suite"]["name"] for suite in result["accepted_cipher_suites"]]
        summary = "; ".join("%s %s" % (version, " ".join(names)) for version, names in accepted.items() if names)
        print("%s: %s" % (target, summary))
        for version in OLD_VERSIONS:
            if accepted[version]:
                failures.append("%s accepts %s" % (target, version))
        weak = [name for name in accepted["tls_1_2"] if not strong_tls_1_2(name)]
        if weak:
            failures.append("%s accepts weak TLS 1.2 suites %s" % (target, " ".join(weak)))
        if not accepted["tls_1_3"]:
            failures.append("%s does not speak TLS 1.3" % target)
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
