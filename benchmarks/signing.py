"""Certificate issuance for N simulated hosts: the collection's signing code against a bare
cryptography signing loop, measured in the same run. Prints a Markdown table.

    python benchmarks/signing.py [--hosts 1000] [--repeat 3] [--output results.json]

The requests are made before timing starts (keys are made on the hosts, not by the CA).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "build", "collections"))

from cryptography import x509 as cx509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID  # noqa: E402

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, files, pki, x509  # noqa: E402

POLICY = x509.RenewalPolicy(365, 30, 0)


def make_requests(count):
    requests = []
    for number in range(count):
        name = "host%04d.example.org" % number
        key = x509.generate_private_key("ecdsa-p256")
        csr = x509.build_csr(key, [name, "host%04d" % number])
        requests.append({"name": name, "names": ["host%04d" % number], "csr": x509.csr_to_pem(csr), "usage": "client",
                         "certificate": None})
    return requests


def bare_loop(requests, ca_cert, ca_key, verify_requests=False):
    """The same certificates (same extensions) with nothing around them: parse the request,
    build, sign, serialise. With ``verify_requests`` it also checks each request's signature
    (proof that the host holds the key), which the collection does."""
    now = datetime.datetime.now(datetime.timezone.utc)
    aki = cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
    usage = cx509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                           data_encipherment=False, key_agreement=False, key_cert_sign=False,
                           crl_sign=False, encipher_only=False, decipher_only=False)
    eku = cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    for request in requests:
        csr = cx509.load_pem_x509_csr(request["csr"].encode())
        if verify_requests and not csr.is_signature_valid:
            raise ValueError("bad request")
        san = csr.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
        cert = (
            cx509.CertificateBuilder()
            .subject_name(csr.subject).issuer_name(ca_cert.subject).public_key(csr.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(eku, critical=False)
            .add_extension(san, critical=False)
            .add_extension(cx509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        x509.certificate_to_pem(cert)


def bare_loop_verifying(requests, ca_cert, ca_key):
    bare_loop(requests, ca_cert, ca_key, verify_requests=True)


def collection_in_memory(requests, ca_cert, ca_key):
    x509.sign_requests(requests, ca_cert, ca_key, POLICY, ca_index.Index())


def collection_with_files(requests, ca_files):
    """The module's whole path without Ansible: load the CA, sign, write index and CRL."""
    if os.path.exists(ca_files.crl_path):
        os.unlink(ca_files.crl_path)
    files.write_atomic(ca_files.index_path, ca_index.Index().to_json(), pki.INDEX_MODE)
    pki.sign_batch(ca_files, requests, POLICY, 365, check_mode=False)


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", help="also write the medians here as JSON")
    args = parser.parse_args()

    requests = make_requests(args.hosts)
    workdir = tempfile.mkdtemp(prefix="auditlog-bench.")
    key_path, cert_path = os.path.join(workdir, "ca.key"), os.path.join(workdir, "ca.pem")
    pki.ensure_ca(key_path, cert_path, "Bench CA", "ecdsa-p256", 3650, check_mode=False)
    ca_files = pki.CAFiles(key_path, cert_path, os.path.join(workdir, "index.json"), os.path.join(workdir, "crl.pem"))
    files.write_atomic(ca_files.index_path, ca_index.Index().to_json(), pki.INDEX_MODE)
    ca = ca_files.load()
    ca_cert, ca_key = ca.cert, ca.key

    runs = {"bare": [], "verifying": [], "memory": [], "files": []}
    for dummy_round in range(args.repeat):  # interleaved, so drift in machine speed hits all alike
        runs["bare"].append(timed(bare_loop, requests, ca_cert, ca_key))
        runs["verifying"].append(timed(bare_loop_verifying, requests, ca_cert, ca_key))
        runs["memory"].append(timed(collection_in_memory, requests, ca_cert, ca_key))
        runs["files"].append(timed(collection_with_files, requests, ca_files))
    median = {name: statistics.median(times) for name, times in runs.items()}

    print("| signer (%d hosts, median of %d) | seconds | certificates/s | ratio to bare loop |" % (args.hosts, args.repeat))
    print("|---|---|---|---|")
    labels = {"bare": "bare cryptography loop, same certificates (reference)",
              "verifying": "the same, also checking each request's signature", "memory": "x509.sign_requests (decide, sign, index in memory)",
              "files": "pki.sign_batch (as x509_sign: load CA, sign, write index and CRL)"}
    for name in ("bare", "verifying", "memory", "files"):
        print("| %s | %.2f | %.0f | %.2f |" % (labels[name], median[name], args.hosts / median[name],
                                               median["bare"] / median[name]))
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"measured": time.strftime("%Y-%m-%d"), "hosts": args.hosts, "repeat": args.repeat,
                       "rows": [{"key": name, "label": labels[name], "seconds": median[name],
                                 "rate": args.hosts / median[name], "ratio": median["bare"] / median[name]}
                                for name in ("bare", "verifying", "memory", "files")]}, handle, indent=2)
    print("\nThe collection's ratio is %.2f against a target of 0.8 (docs/benchmarks.md says where the gap is)."
          % (median["bare"] / median["files"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
