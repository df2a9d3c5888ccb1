"""Send a file's lines to a server's TLS syslog port, a number of lines a second.

A flood for the tests: sendall hands every byte to TLS (openssl s_client did not: in one
run 1,686 of 100,000 lines never reached the server's input), and the connection is closed
with close_notify. With --plain, to the unauthenticated listener's TCP port instead.
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
    parser.add_argument("--tls-dir", default="/etc/auditlog/tls", help="ca.pem, host.pem and host.key")
    parser.add_argument("--plain", action="store_true", help="no TLS (the unauthenticated listener)")
    args = parser.parse_args()
    with open(args.file, "rb") as handle:
        lines = handle.read().splitlines(True)
    with socket.create_connection((args.server, args.port), timeout=60) as raw:
        if args.plain:
            pour(raw, lines, args.per_second)
            return
        context = ssl.create_default_context(cafile=args.tls_dir + "/ca.pem")
        context.load_cert_chain(args.tls_dir + "/host.pem", args.tls_dir + "/host.key")
        with context.wrap_socket(raw, server_hostname=args.server) as stream:
            pour(stream, lines, args.per_second)
            try:
                stream.unwrap()
            except (ssl.SSLEOFError, ConnectionResetError):
                pass  # rsyslog closes without a close_notify of its own; ours was sent


def pour(stream, lines, per_second):
    for start in range(0, len(lines), per_second):
        began = time.monotonic()
        stream.sendall(b"".join(lines[start:start + per_second]))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))


if __name__ == "__main__":
    main()
