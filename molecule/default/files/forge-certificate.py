# What root on a client can make without the CA key: a certificate for its own key with the
# CA's issuer name and key identifier, a serial and dates of its choosing, signed by itself.
# Given as the host's "current certificate", it must not reach the CA's index or CRL.
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

host, serial, output = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
with open("/etc/auditlog/tls/host.key", "rb") as handle:
    key = serialization.load_pem_private_key(handle.read(), password=None)
# The host's own certificate names the CA that signs now: copy its issuer and key identifier.
with open("/etc/auditlog/tls/host.pem", "rb") as handle:
    genuine = x509.load_pem_x509_certificate(handle.read())
authority = genuine.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
now = datetime.datetime.now(datetime.timezone.utc)
cert = (
    x509.CertificateBuilder()
    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
    .issuer_name(genuine.issuer)
    .public_key(key.public_key())
    .serial_number(serial)
    .not_valid_before(datetime.datetime(1950, 1, 1, tzinfo=datetime.timezone.utc))
    .not_valid_after(now + datetime.timedelta(days=300))
    .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    .add_extension(authority, critical=False)
    .sign(key, hashes.SHA256())
)
with open(output, "wb") as handle:
    handle.write(cert.public_bytes(serialization.Encoding.PEM))
