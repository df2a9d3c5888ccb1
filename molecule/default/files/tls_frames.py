"""Send syslog frames, octet-counted (RFC 5425), to a server's TLS port with this host's certificate.

A client that is not rsyslog: Python's own TLS. With --no-certificate it offers none, which
the server must refuse.

Each frame is given with Python's backslash escapes (\n, \xff), so a test can send any
bytes: line breaks inside a message, bytes that are not UTF-8, a HOSTNAME the host does not
have.
"""

import argparse
import codecs
import socket
import ssl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--port", type=int, default=6514)
    parser.add_argument("--no-certificate", action="store_true", help="offer no client certificate")
    parser.add_argument("frames", nargs="+", help="each frame, with backslash escapes")
    args = parser.parse_args()
    context = ssl.create_default_context(cafile="/etc/auditlog/tls/ca.pem")
    if not args.no_certificate:
        context.load_cert_chain("/etc/auditlog/tls/host.pem", "/etc/auditlog/tls/host.key")
    frames = [codecs.escape_decode(frame.encode("utf-8"))[0] for frame in args.frames]
    with socket.create_connection((args.server, args.port), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname=args.server) as stream:
            stream.sendall(b"".join(b"%d %s" % (len(frame), frame) for frame in frames))
            stream.unwrap()


if __name__ == "__main__":
    main()
