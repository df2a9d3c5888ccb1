"""A rogue TLS server for the tests: accepts connections on a port with the given certificate
and writes one line per connection to a file, at once: whether the TLS handshake completed,
the error if not, and the bytes received if it did."""

import argparse
import json
import socket
import ssl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    listener = socket.create_server(("", args.port), family=socket.AF_INET6, dualstack_ipv6=True)
    with open(args.log, "a", buffering=1) as log:
        while True:
            connection, peer = listener.accept()
            connection.settimeout(10)
            entry = {"port": args.port, "peer": peer[0]}
            received = b""
            try:
                with context.wrap_socket(connection, server_side=True) as stream:
                    entry["handshake"] = "completed"
                    while True:
                        chunk = stream.recv(65536)
                        if not chunk:
                            break
                        received += chunk
            except (ssl.SSLError, OSError) as exc:
                entry.setdefault("handshake", "failed")
                entry["error"] = str(exc)
            entry["received"] = received.decode("utf-8", "replace")
            log.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
