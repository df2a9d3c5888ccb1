"""Report how the archive stored the edge cases of verify_messages.yml, as JSON."""

import glob
import json
import os
import sys


def main():
    root, tags = sys.argv[1], sys.argv[2:]
    report = {}
    for tag in tags:
        raw = tag.encode("utf-8")
        found = {"lines_with_injected": 0, "injected_inside_multi": 0, "forged_in": [],
                 "bytes_exact": 0, "long_bodies": [], "plaintext": 0,
                 "structured_data": 0, "without_certificate": 0}
        for path in sorted(glob.glob(os.path.join(root, "*", "syslog.log"))):
            directory = os.path.basename(os.path.dirname(path))
            with open(path, "rb") as handle:
                for line in handle:
                    if raw + b" injected" in line:
                        found["lines_with_injected"] += 1
                        if raw + b" multi first#012second#012" in line:
                            found["injected_inside_multi"] += 1
                    if raw + b" forged" in line:
                        found["forged_in"].append(directory)
                    if raw + b" bytes \xff\xfe\xc3\x28 end" in line:
                        found["bytes_exact"] += 1
                    # MSGID "-", then the structured data in its own field, then the message.
                    if b' edge - - [interop@32473 client="python ssl"] ' + raw + b" structured" in line:
                        found["structured_data"] += 1
                    if raw + b" without certificate" in line:
                        found["without_certificate"] += 1
                    if raw + b" plaintext" in line:
                        found["plaintext"] += 1
                    if raw + b" long " in line:
                        body = line.rstrip(b"\n").split(raw + b" long ", 1)[1]
                        found["long_bodies"].append({"length": len(body), "whole": body == b"x" * 64000 + b" end"})
        report[tag] = found
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
