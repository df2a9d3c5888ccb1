"""Runs on a server: counts one client's numbered messages as they reach its archive file.
Prints "ready" once it watches the file, then JSON when every message is there or the deadline
passes.

    python3 count.py --path FILE --tag TAG --expected N [--idle 3] [--deadline 300]
                     [--give-up-idle 60] [--offset BYTES]

While messages arrive it only looks at the file's size, so that counting takes no CPU from
the pipeline being measured; it reads the new lines each time the file has stopped growing
for --idle seconds. "last" is when the file last grew, so the idle wait is not counted.
It gives up at the deadline, or once the file has not grown for --give-up-idle seconds. It
counts from --offset (another count's "offset", to count a run again) or the file's end.
"""

import argparse
import json
import os
import sys
import time

POLL = 0.05


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--expected", type=int, required=True)
    parser.add_argument("--idle", type=float, default=3)
    parser.add_argument("--deadline", type=float, default=300)
    parser.add_argument("--give-up-idle", type=float)
    parser.add_argument("--offset", type=int)
    args = parser.parse_args()

    offset = args.offset if args.offset is not None else os.path.getsize(args.path) if os.path.exists(args.path) else 0
    print("ready", flush=True)
    started = time.time()
    give_up = started + args.deadline
    marker = (" %s " % args.tag).encode("ascii")
    seen, copies, size, read_to = set(), 0, offset, offset
    first = last = None
    while time.time() < give_up:
        current = os.path.getsize(args.path) if os.path.exists(args.path) else 0
        now = time.time()
        if args.give_up_idle and size == read_to and now - (last or started) >= args.give_up_idle:
            break
        if current != size:
            size, last = current, now
            first = first or now
        elif size > read_to and now - last >= args.idle:
            with open(args.path, "rb") as archive:
                archive.seek(read_to)
                data = archive.read(size - read_to)
            complete = data[:data.rfind(b"\n") + 1]
            read_to += len(complete)
            for line in complete.splitlines():
                at = line.find(marker)
                if at >= 0:
                    copies += 1
                    seen.add(line[at + len(marker):at + len(marker) + 8])
            if len(seen) >= args.expected:
                break
        time.sleep(POLL)
    json.dump({"distinct": len(seen), "copies": copies, "first": first, "last": last, "offset": offset}, sys.stdout)


if __name__ == "__main__":
    main()
