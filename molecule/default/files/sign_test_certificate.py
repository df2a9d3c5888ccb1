"""Sign a request with the fleet's CA key into a certificate valid for a day, or expired.

A test's own certificates: for a scanner, or one that expired yesterday. Everything but the
dates is as the CA would issue it (the request's name and the --name ones, such as the
host's identity, client and server use), so a server that refuses the expired one refuses it
for its dates. The CA key's passphrase comes from
the environment variable AUDITLOG_CA_PASSPHRASE, never the command line.
"""

import argparse
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--ca-cert", "--ca-key", "--request", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--expired", action="store_true", help="make it expire yesterday")
    parser.add_argument("--name", action="append", default=[], help="a further name (repeatable)")
    args = parser.parse_args()
    with open(args.ca_cert, "rb") as handle:
        ca_cert = x509.load_pem_x509_certificate(handle.read())
    with open(args.ca_key, "rb") as handle:
        ca_key = serialization.load_pem_private_key(
            handle.read(), os.environb.get(b"AUDITLOG_CA_PASSPHRASE") or None)
    with open(args.request, "rb") as handle:
        request = x509.load_pem_x509_csr(handle.read())
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = now - datetime.timedelta(days=1) if args.expired else now + datetime.timedelta(days=1)
    names = [attribute.value for attribute in request.subject] + args.name
    certificate = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(ca_cert.subject)
        .public_key(request.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    with open(args.out, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    main()
