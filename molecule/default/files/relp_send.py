"""Send one syslog message over RELP with TLS and say whether the server acknowledged it.

A probe for the tests: exit 0 when the server answered "200 OK" to the message, 1 when it
refused the connection, the session or the message.
"""

import argparse
import socket
import ssl
import sys


def frame(number, command, data=b""):
    return b"%d %s %d%s\n" % (number, command, len(data), b" " + data if data else b"")


def read_response(stream):
    """One RELP frame: (number, command, data)."""
    header = b""
    while header.count(b" ") < 3 and not header.endswith(b"\n"):
        byte = stream.recv(1)
        if not byte:
            raise ConnectionError("the server closed the connection")
        header += byte
    parts = header.split(b" ")
    number, command, length = int(parts[0]), parts[1], int(parts[2].strip())
    data = b""
    while len(data) < length + (1 if length else 0):
        chunk = stream.recv(length + 1 - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return number, command, data.rstrip(b"\n")


def send(args):
    context = ssl.create_default_context(cafile=args.ca)
    context.check_hostname = True
    context.load_cert_chain(args.cert, args.key)
    with socket.create_connection((args.server, args.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=args.server) as stream:
            stream.sendall(frame(1, b"open", b"relp_version=0\nrelp_software=auditlog-probe\ncommands=syslog"))
            number, command, data = read_response(stream)
            if (number, command) != (1, b"rsp") or not data.startswith(b"200"):
                return "session refused: %r" % data
            stream.sendall(frame(2, b"syslog", args.message.encode("utf-8")))
            number, command, data = read_response(stream)
            if (number, command) != (2, b"rsp") or not data.startswith(b"200"):
                return "message refused: %r" % data
            stream.sendall(frame(3, b"close"))
            try:
                read_response(stream)
            except (ConnectionError, OSError):
                pass
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("server", "ca", "cert", "key", "message"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--port", type=int, default=2514)
    args = parser.parse_args()
    try:
        problem = send(args)
    except (OSError, ssl.SSLError, ConnectionError, ValueError) as exc:
        problem = "%s: %s" % (type(exc).__name__, exc)
    print(problem or "acknowledged")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
