"""Send a file's lines to a server's TLS syslog port, a number of lines a second.

A flood for the tests: sendall hands every byte to TLS (openssl s_client did not: in one
run 1,686 of 100,000 lines never reached the server's input), and the connection is closed
with close_notify.
"""

import argparse
import socket
import ssl
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--port", type=int, default=6514)
    parser.add_argument("--file", required=True)
    parser.add_argument("--per-second", type=int, required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile="/etc/auditlog/tls/ca.pem")
    context.load_cert_chain("/etc/auditlog/tls/host.pem", "/etc/auditlog/tls/host.key")
    with open(args.file, "rb") as handle:
        lines = handle.read().splitlines(True)
    with socket.create_connection((args.server, args.port), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname=args.server) as stream:
            for start in range(0, len(lines), args.per_second):
                began = time.monotonic()
                stream.sendall(b"".join(lines[start:start + args.per_second]))
                time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))
            stream.unwrap()


if __name__ == "__main__":
    main()
