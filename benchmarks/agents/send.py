"""Runs on a client: logs numbered messages into the local rsyslog through a Unix socket of
its own (no rate limit), as fast as rsyslog takes them or at a fixed rate. Prints JSON.

    python3 send.py --socket /run/auditlog-bench.sock --tag TAG --count N [--rate R] [--size 150]

Each message reads "<tag> <number> <padding>" with authpriv.info, so every configuration
forwards it. A blocking datagram socket makes the sender wait while rsyslog is busy: nothing
is dropped before rsyslog has it.
"""

import argparse
import json
import os
import socket
import time

PRIORITY = 10 * 8 + 6  # authpriv.info


def messages(tag, count, size):
    stamp = time.strftime("%b %e %H:%M:%S")
    head = "<%d>%s bench[%d]: " % (PRIORITY, stamp, os.getpid())
    for number in range(1, count + 1):
        body = "%s %08d " % (tag, number)
        yield (head + body + "x" * max(0, size - len(head) - len(body))).encode("ascii")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0, help="messages a second; 0 for as fast as possible")
    parser.add_argument("--size", type=int, default=150)
    args = parser.parse_args()

    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender.connect(args.socket)
    start = time.time()
    for index, message in enumerate(messages(args.tag, args.count, args.size)):
        if args.rate:
            delay = start + index / args.rate - time.time()
            if delay > 0:
                time.sleep(delay)
        sender.send(message)
    end = time.time()
    print(json.dumps({"start": start, "end": end, "sent": args.count}))


if __name__ == "__main__":
    main()
