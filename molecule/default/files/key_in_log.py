"""Count how much of this host's private keys a log holds, as JSON.

For each key file: how many of its base64 lines (from the PEM body) occur in the log, out of
how many. Also counts "PRIVATE KEY" in the log, which any PEM key would carry.
"""

import json
import sys


def main():
    log_path, key_paths = sys.argv[1], sys.argv[2:]
    with open(log_path, "rb") as handle:
        log = handle.read()
    report = {"pem_markers": log.count(b"PRIVATE KEY"), "keys": {}}
    for path in key_paths:
        with open(path, "rb") as handle:
            body = [line.strip() for line in handle if line.strip() and not line.startswith(b"-----")]
        report["keys"][path] = {"lines": len(body), "found": sum(1 for line in body if line in log)}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
