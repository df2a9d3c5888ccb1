import datetime
import ipaddress
import re

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, x509

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def ca():
    key = x509.generate_private_key("ecdsa-p256")
    return x509.build_ca_certificate(key, "Test CA", 3650, NOW), key


@pytest.fixture(scope="module")
def host_key():
    return x509.generate_private_key("ecdsa-p256")


def request(key, names=("client1", "client1.example.org", "192.0.2.10"), usage="client", certificate=None, name="client1",
            csr=None):
    """What the role hands the CA: the names the inventory decided and the host's request for them."""
    return {"name": name, "names": list(names), "csr": csr or x509.csr_to_pem(x509.build_csr(key, [name] + list(names))),
            "usage": usage, "certificate": certificate}


def policy(validity_days=365, renew_before_days=30, renew_before_percent=0):
    return x509.RenewalPolicy(validity_days, renew_before_days, renew_before_percent)


def sign_one(ca, req, now=NOW, renew_before_days=30, validity_days=365, renew_before_percent=0, index=None):
    index = ca_index.Index() if index is None else index
    certs, reasons, dummy = x509.sign_requests(
        [req], ca[0], ca[1], policy(validity_days, renew_before_days, renew_before_percent), index, now)
    return certs.get(req["name"]), reasons.get(req["name"])


def test_ca_certificate_is_a_ca_that_can_only_sign_end_entities(ca):
    cert, key = ca
    constraints = cert.extensions.get_extension_for_class(cx509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(cx509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert x509.not_valid_after(cert) - NOW == datetime.timedelta(days=3650)
    assert x509.ca_certificate_problem(cert, key, "Test CA", NOW) is None


def test_ca_problems_are_named(ca):
    cert, key = ca
    other = x509.generate_private_key("ecdsa-p256")
    assert "does not belong" in x509.ca_certificate_problem(cert, other, "Test CA", NOW)
    assert "common name" in x509.ca_certificate_problem(cert, key, "Renamed CA", NOW)
    later = NOW + datetime.timedelta(days=3651)
    assert "expired" in x509.ca_certificate_problem(cert, key, "Test CA", later)


@pytest.mark.parametrize("key_type,expected", [("ecdsa-p256", "ecdsa-p256"), ("rsa-3072", "rsa-3072")])
def test_key_types(key_type, expected):
    assert x509.key_type_of(x509.generate_private_key(key_type)) == expected


def test_unknown_key_type_is_refused():
    with pytest.raises(x509.CertificateError, match="unknown key type"):
        x509.generate_private_key("dsa-1024")


def test_certificate_names_drop_duplicates_and_keep_order():
    assert x509.certificate_names(["a", "A", "a.example.org", "10.1.2.3", "::1", "0:0::1"]) == [
        "a", "a.example.org", "10.1.2.3", "::1"]


@pytest.mark.parametrize("bad,why", [
    ("bad name", "not an LDH DNS name"), ("*.example.org", "wildcard"), ("logs.example.org.", "ends in a dot"),
    ("under_score", "not an LDH DNS name"), ("-lead", "not an LDH DNS name"), ("a" * 64, "not an LDH DNS name"),
    ("", "not a name"), ("a/b", "not an LDH DNS name"), ("x\ny", "not an LDH DNS name"),
    ("client1\n", "not an LDH DNS name"), ("logs.example.org\n", "not an LDH DNS name"),
    ("fe80::1%eth0", "has a scope"), ("::ffff:192.0.2.10", "write it as 192.0.2.10"),
    ("010.0.0.1", "digits only"), ("3232235777", "digits only"), ("logs.123", "digits only"),
    (".".join(["a" * 63] * 4) + ".b", "longer than a DNS name"),
    ("client1-0123456789abcdef.auditlog.invalid", "only the CA names hosts' identities"),
    ("AUDITLOG.invalid", "only the CA names hosts' identities"),
])
def test_a_name_that_is_not_ldh_or_an_address_is_refused(host_key, bad, why):
    with pytest.raises(x509.CertificateError, match=why):
        x509.build_csr(host_key, ["client1", bad])


def test_a_request_needs_a_name(host_key):
    with pytest.raises(x509.CertificateError, match="at least one name"):
        x509.build_csr(host_key, [])


def test_new_host_gets_a_client_certificate_with_its_names(ca, host_key):
    pem, reason = sign_one(ca, request(host_key))
    assert reason == "the host has no certificate"
    cert = x509.load_certificate(pem)
    assert sorted(x509.names_in(cert)) == sorted(["client1", "client1.example.org", "192.0.2.10"])
    assert x509.common_name_of(cert.subject) == "client1"
    assert cert.issuer == ca[0].subject
    eku = cert.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    usage = cert.extensions.get_extension_for_class(cx509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(cx509.BasicConstraints).value.ca
    assert x509.not_valid_after(cert) - NOW == datetime.timedelta(days=365)
    assert x509.not_valid_before(cert) < NOW
    ca[0].public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


def test_server_certificate_is_for_server_auth(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key, usage="server"))
    eku = x509.load_certificate(pem).extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    # A central server also forwards its own events to the other servers.
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


def test_rsa_host_key_gets_key_encipherment(ca):
    key = x509.generate_private_key("rsa-3072")
    pem, dummy = sign_one(ca, request(key))
    assert x509.load_certificate(pem).extensions.get_extension_for_class(cx509.KeyUsage).value.key_encipherment


def test_second_run_keeps_the_certificate(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    again, reason = sign_one(ca, request(host_key, certificate=pem), index=index)
    assert reason is None
    assert again == pem


@pytest.mark.parametrize("change,expected", [
    (dict(names=("client1", "client1.example.org")), "the host names changed"),
    (dict(usage="server"), "the certificate usage changed to server"),
])
def test_changed_request_reissues(ca, host_key, change, expected):
    pem, dummy = sign_one(ca, request(host_key))
    dummy, reason = sign_one(ca, request(host_key, certificate=pem, **change))
    assert reason == expected


def test_new_host_key_reissues(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key))
    dummy, reason = sign_one(ca, request(x509.generate_private_key("ecdsa-p256"), certificate=pem))
    assert reason == "the host key changed"


def test_certificate_from_another_ca_is_replaced(ca, host_key):
    other_key = x509.generate_private_key("ecdsa-p256")
    other = (x509.build_ca_certificate(other_key, "Other CA", 3650, NOW), other_key)
    foreign, dummy = sign_one(other, request(host_key))
    dummy, reason = sign_one(ca, request(host_key, certificate=foreign))
    assert reason == "the certificate was issued by another CA"


def test_two_generations_of_a_ca_have_different_names(ca):
    # Trusted side by side during a rotation, they must not be told apart by key id alone.
    successor_key = x509.generate_private_key("ecdsa-p256")
    successor = x509.build_ca_certificate(successor_key, "Test CA", 3650, NOW)
    assert x509.common_name_of(successor.subject) == x509.common_name_of(ca[0].subject) == "Test CA"
    assert successor.subject != ca[0].subject


def test_same_ca_subject_but_other_key_is_replaced(ca, host_key):
    # A CA made before CA subjects carried the key id, or an impostor copying the subject.
    impostor_key = x509.generate_private_key("ecdsa-p256")
    impostor_cert = (
        cx509.CertificateBuilder().subject_name(ca[0].subject).issuer_name(ca[0].subject)
        .public_key(impostor_key.public_key()).serial_number(1)
        .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(impostor_key, hashes.SHA256())
    )
    foreign, dummy = sign_one((impostor_cert, impostor_key), request(host_key))
    dummy, reason = sign_one(ca, request(host_key, certificate=foreign))
    assert reason == "the certificate was issued by another CA key"


def test_renewal_threshold(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    just_outside = NOW + datetime.timedelta(days=365 - 31)
    inside = NOW + datetime.timedelta(days=365 - 29)
    assert sign_one(ca, request(host_key, certificate=pem), index=index, now=just_outside)[1] is None
    dummy, reason = sign_one(ca, request(host_key, certificate=pem), index=index, now=inside)
    assert reason == "the certificate expires in 29 days"


def test_host_certificate_never_outlives_the_ca(host_key):
    key = x509.generate_private_key("ecdsa-p256")
    short_ca = (x509.build_ca_certificate(key, "Short CA", 10, NOW), key)
    pem, dummy = sign_one(short_ca, request(host_key), renew_before_days=1)
    assert x509.not_valid_after(x509.load_certificate(pem)) == x509.not_valid_after(short_ca[0])


def test_expired_ca_refuses_to_sign(ca, host_key):
    with pytest.raises(x509.CertificateError, match="CA certificate expired"):
        sign_one(ca, request(host_key), now=NOW + datetime.timedelta(days=4000))


def test_serials_are_unique(ca, host_key):
    serials = {x509.load_certificate(sign_one(ca, request(host_key))[0]).serial_number for dummy in range(20)}
    assert len(serials) == 20


def test_a_batch_signs_each_host_once(ca, host_key):
    index = ca_index.Index()
    second = x509.generate_private_key("ecdsa-p256")
    first_pem, dummy = sign_one(ca, request(host_key), index=index)
    batch = [request(host_key, certificate=first_pem), request(second, names=("client2",), name="client2")]
    certs, reasons, dummy = x509.sign_requests(batch, ca[0], ca[1], policy(), index, NOW)
    assert certs["client1"] == first_pem
    assert reasons == {"client2": "the host has no certificate"}


def test_a_host_twice_in_a_batch_is_an_error(ca, host_key):
    with pytest.raises(x509.CertificateError, match="appears twice"):
        x509.sign_requests([request(host_key), request(host_key)], ca[0], ca[1], policy(), ca_index.Index(), NOW)


@pytest.mark.parametrize("csr,why", [
    ("-----BEGIN CERTIFICATE REQUEST-----\nnope\n", "the request of client1 is not a PEM certificate request"),
    ("x", "the request of client1 is not a PEM certificate request"),
    ("\u00e9", "the request of client1 is not a PEM certificate request"),
])
def test_garbage_request_refuses_that_host_alone(ca, host_key, csr, why):
    other = request(x509.generate_private_key("ecdsa-p256"), name="client2", names=())
    certs, dummy, refused = x509.sign_requests([{"name": "client1", "csr": csr, "usage": "client"}, other],
                                               ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert list(certs) == ["client2"] and why in refused["client1"]


def test_garbage_current_certificate_refuses_that_host_alone(ca, host_key):
    certs, dummy, refused = x509.sign_requests([request(host_key, certificate="\u00e9")], ca[0], ca[1], policy(),
                                               ca_index.Index(), NOW)
    assert certs == {} and "the current certificate of client1 is not a PEM certificate" in refused["client1"]


def test_tampered_request_is_refused(ca, host_key):
    pem = request(host_key)["csr"]
    body = pem.splitlines()
    # Flip a character inside the signed part of the request.
    line = body[3]
    body[3] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
    certs, dummy, refused = x509.sign_requests([request(host_key, csr="\n".join(body) + "\n")], ca[0], ca[1],
                                               policy(), ca_index.Index(), NOW)
    assert certs == {} and "client1" in refused


@pytest.mark.parametrize("make_key", [
    lambda: ec.generate_private_key(ec.SECP384R1()), lambda: ec.generate_private_key(ec.SECP224R1()),
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ed25519.Ed25519PrivateKey.generate,
])
def test_a_request_for_a_key_type_the_ca_does_not_issue_is_refused(ca, make_key):
    key = make_key()
    builder = cx509.CertificateSigningRequestBuilder().subject_name(
        cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "client1")])).add_extension(
        cx509.SubjectAlternativeName([cx509.DNSName("client1")]), critical=False)
    csr = builder.sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    certs, dummy, refused = x509.sign_requests([request(key, names=(), csr=x509.csr_to_pem(csr))], ca[0], ca[1],
                                               policy(), ca_index.Index(), NOW)
    assert certs == {} and "a key of a type the CA does not sign" in refused["client1"]


def test_percentage_threshold(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    # 365 days, renew under 20 % left: 73 days. The 30-day rule alone would wait.
    at_74_days_left = NOW + datetime.timedelta(days=365 - 74)
    at_72_days_left = NOW + datetime.timedelta(days=365 - 72)
    assert sign_one(ca, request(host_key, certificate=pem), index=index, now=at_74_days_left, renew_before_percent=20)[1] is None
    dummy, reason = sign_one(ca, request(host_key, certificate=pem), index=index, now=at_72_days_left, renew_before_percent=20)
    assert reason == "less than 20% of the certificate's validity is left"


def test_issued_certificates_are_indexed_and_supersede_the_previous(ca, host_key):
    index = ca_index.Index()
    first, dummy = sign_one(ca, request(host_key), index=index)
    second, dummy = sign_one(ca, request(host_key, names=("client1",)), index=index)
    serials = [x509.load_certificate(p).serial_number for p in (first, second)]
    assert [e["status"] for e in index.certificates] == ["superseded", "valid"]
    assert [int(e["serial"], 16) for e in index.certificates] == serials
    latest = index.certificates[1]
    assert latest["name"] == "client1" and latest["names"] == ["client1"] and latest["usage"] == "client"
    assert latest["subject"] == "CN=client1"
    assert latest["not_after"] == x509.iso(x509.not_valid_after(x509.load_certificate(second)))


def test_a_revoked_certificate_is_reissued(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    index.revoke_serial(x509.load_certificate(pem).serial_number, "key compromise", x509.iso(NOW))
    new, reason = sign_one(ca, request(x509.generate_private_key("ecdsa-p256"), certificate=pem), index=index)
    assert reason == "the certificate was revoked" and new != pem


def test_the_key_of_a_revoked_certificate_is_never_certified_again(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    serial = x509.load_certificate(pem).serial_number
    index.revoke_serial(serial, "key compromise", x509.iso(NOW))
    # Not for the host, and not for another host that asks with the leaked key.
    for req in (request(host_key, certificate=pem), request(host_key, name="client2", names=())):
        certs, reasons, refused = x509.sign_requests([req], ca[0], ca[1], policy(), index, NOW)
        assert certs == {} and reasons == {}
        assert refused[req["name"]].startswith("the request of %s is for the key of certificate %x, which was revoked"
                                               % (req["name"], serial))


def test_a_revoked_host_gets_nothing(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    index.revoke_host("client1", "decommissioned", x509.iso(NOW))
    certs, reasons, refused = x509.sign_requests([request(host_key, certificate=pem)], ca[0], ca[1], policy(), index, NOW)
    assert certs == {} and reasons == {}
    assert refused == {"client1": "client1 was revoked on 2026-11-22T12:00:00Z (decommissioned)"}


def test_serials_already_in_the_index_are_not_reused(monkeypatch):
    values = iter([5, 5, 7])
    monkeypatch.setattr(x509.x509, "random_serial_number", lambda: next(values))
    assert x509.new_serial({5}) == 7


def serial_of(pem):
    return x509.load_certificate(pem).serial_number


def test_crl_lists_revoked_and_superseded_until_they_expire(ca, host_key):
    index = ca_index.Index()
    first, dummy = sign_one(ca, request(host_key), index=index)
    second, dummy = sign_one(ca, request(host_key, names=("client1",)), index=index)
    other_key = x509.generate_private_key("ecdsa-p256")
    third, dummy = sign_one(ca, request(other_key, name="client2", names=("client2",)), index=index)
    index.revoke_host("client2", "decommissioned", x509.iso(NOW))
    withdrawn = index.withdrawn(x509.iso(NOW), x509.ca_key_id(ca[0]))
    crl = x509.build_crl(ca[0], ca[1], withdrawn, 30, NOW)
    listed = {r.serial_number: r.extensions.get_extension_for_class(cx509.CRLReason).value.reason for r in crl}
    assert listed == {serial_of(first): cx509.ReasonFlags.superseded, serial_of(third): cx509.ReasonFlags.unspecified}
    assert crl.is_signature_valid(ca[0].public_key())
    assert x509.crl_problem(x509.crl_to_pem(crl).encode(), ca[0], withdrawn, NOW) is None
    after_expiry = x509.iso(NOW + datetime.timedelta(days=400))
    assert index.withdrawn(after_expiry, x509.ca_key_id(ca[0])) == []
    other_ca_key = x509.generate_private_key("ecdsa-p256")
    assert index.withdrawn(x509.iso(NOW), x509.ca_key_id(other_ca_key)) == []


def test_crl_is_rewritten_when_it_must_be(ca):
    withdrawn = []
    crl = x509.crl_to_pem(x509.build_crl(ca[0], ca[1], withdrawn, 30, NOW)).encode()
    assert x509.crl_problem(None, ca[0], withdrawn, NOW) == "there is no CRL"
    assert x509.crl_problem(crl, ca[0], [{"serial": "ab"}], NOW) == "the revoked certificates changed"
    assert x509.crl_problem(crl, ca[0], withdrawn, NOW + datetime.timedelta(days=16)) == "the CRL is past half its validity"
    other_key = x509.generate_private_key("ecdsa-p256")
    other = x509.build_ca_certificate(other_key, "Test CA", 3650, NOW)
    assert x509.crl_problem(crl, other, withdrawn, NOW) == "the CRL was not signed by this CA"


def test_passphrase_protected_key(tmp_path):
    key = x509.generate_private_key("ecdsa-p256")
    pem = x509.private_key_to_pem(key, "correct horse")
    assert x509.is_encrypted_pem(pem)
    assert x509.same_public_key(x509.load_private_key(pem, "ca.key", "correct horse").public_key(), key.public_key())
    with pytest.raises(x509.CertificateError, match="the passphrase for ca.key is wrong"):
        x509.load_private_key(pem, "ca.key", "wrong")
    with pytest.raises(x509.CertificateError, match="ca.key is protected by a passphrase, and none was given"):
        x509.load_private_key(pem, "ca.key")


def test_a_host_cannot_get_a_name_another_host_holds(ca, host_key):
    index = ca_index.Index()
    sign_one(ca, request(host_key, name="server1", names=("server1", "logs.example.org"), usage="server"), index=index)
    intruder = x509.generate_private_key("ecdsa-p256")
    certs, reasons, refused = x509.sign_requests(
        [request(intruder, name="client9", names=("client9", "SERVER1"))], ca[0], ca[1], policy(), index, NOW)
    assert certs == {} and reasons == {}
    assert refused == {"client9": "the names of client9 include SERVER1 (held by server1)"}


def test_a_host_cannot_take_another_hosts_inventory_name_in_the_same_batch(ca, host_key):
    intruder = x509.generate_private_key("ecdsa-p256")
    batch = [request(intruder, name="client9", names=("client9", "server1")),
             request(host_key, name="server1", names=("server1",), usage="server")]
    certs, dummy, refused = x509.sign_requests(batch, ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert "server1" in certs and "client9" not in certs
    assert refused["client9"] == "the names of client9 include server1 (held by server1)"


def test_two_hosts_cannot_share_a_name_in_one_batch(ca, host_key):
    other = x509.generate_private_key("ecdsa-p256")
    batch = [request(host_key, name="a", names=("a", "shared")), request(other, name="b", names=("b", "shared"))]
    certs, dummy, refused = x509.sign_requests(batch, ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert "a" in certs and refused == {"b": "the names of b include shared (held by a)"}


def test_a_renewing_host_keeps_its_own_names(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    two_days_later = NOW + datetime.timedelta(days=2)
    again, reason = sign_one(ca, request(host_key, certificate=pem), now=two_days_later, index=index,
                             renew_before_days=364)
    assert reason == "the certificate expires in 363 days" and again != pem


# --- the CA decides every name: what a host with root could ask for -----------------------

def forged_csr(key, subject_cn, sans, extensions=()):
    builder = cx509.CertificateSigningRequestBuilder().subject_name(
        cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
    if sans:
        builder = builder.add_extension(cx509.SubjectAlternativeName(sans), critical=False)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=True)
    return x509.csr_to_pem(builder.sign(key, hashes.SHA256()))


@pytest.mark.parametrize("subject_cn,sans,extensions,why", [
    ("server1", [cx509.DNSName("client9")], (), "has the subject CN=server1, not CN=client9"),
    ("client9", [cx509.DNSName("client9"), cx509.DNSName("*.example.org")], (), "names client9, \\*.example.org, not client9"),
    ("client9", [cx509.DNSName("client9"), cx509.DNSName("server-next")], (), "names client9, server-next, not client9"),
    ("client9", [cx509.DNSName("client9"), cx509.UniformResourceIdentifier("https://server1/")], (), "other types \\(UniformResourceIdentifier\\)"),
    ("client9", [cx509.DNSName("client9"), cx509.RFC822Name("root@server1")], (), "other types \\(RFC822Name\\)"),
    ("client9", [], (), "has no subject alternative names"),
    ("client9", [cx509.DNSName("client9")], (cx509.BasicConstraints(ca=True, path_length=None),), "extensions the CA does not grant"),
])
def test_a_crafted_request_gets_nothing(ca, subject_cn, sans, extensions, why):
    key = x509.generate_private_key("ecdsa-p256")
    crafted = request(key, name="client9", names=(), csr=forged_csr(key, subject_cn, sans, extensions))
    index = ca_index.Index()
    certs, reasons, refused = x509.sign_requests([crafted], ca[0], ca[1], policy(), index, NOW)
    assert certs == {} and reasons == {} and index.certificates == []
    assert re.search(why, refused["client9"]), refused["client9"]
    assert "the CA decides a host's names" in refused["client9"]


def test_the_certificate_carries_the_names_the_ca_decided(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key, name="client1", names=("10.0.0.1",)))
    cert = x509.load_certificate(pem)
    assert cert.subject.rfc4514_string() == "CN=client1"
    san = cert.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
    assert list(san) == [cx509.DNSName("client1"), cx509.IPAddress(ipaddress.ip_address("10.0.0.1"))]


@pytest.mark.parametrize("extra", ["*.example.org", "logs.example.org.", "bad_name"])
def test_an_inventory_name_that_is_not_allowed_is_refused_with_its_reason(ca, host_key, extra):
    good = request(host_key, names=())
    bad = dict(good, names=[extra])  # the host asks for what the inventory says; the inventory is wrong
    certs, dummy, refused = x509.sign_requests([bad], ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert certs == {} and "are not allowed" in refused["client1"] and extra in refused["client1"]


def test_a_certificate_with_a_subject_the_ca_would_not_give_is_replaced(ca, host_key):
    crafted = forged_csr(host_key, "server1", [cx509.DNSName("client1")])
    old = x509.sign_csr(x509.load_csr(crafted), ca[0], ca[1], "client", 365, ["client1"], NOW)
    forged = old.subject  # what an older CA copied from the request
    assert forged.rfc4514_string() == "CN=client1"  # sign_csr itself never copies the request's subject
    legacy = (cx509.CertificateBuilder().subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "server1")]))
              .issuer_name(ca[0].subject).public_key(host_key.public_key()).serial_number(7)
              .not_valid_before(NOW).not_valid_after(NOW + datetime.timedelta(days=300))
              .add_extension(cx509.SubjectAlternativeName([cx509.DNSName("client1")]), critical=False)
              .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
              .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca[0].public_key()), critical=False)
              .sign(ca[1], hashes.SHA256()))
    dummy, reason = sign_one(ca, request(host_key, names=(), certificate=x509.certificate_to_pem(legacy)))
    assert reason == "the host names changed"


def test_a_revoked_hosts_names_stay_reserved_until_it_is_freed(ca, host_key):
    index = ca_index.Index()
    sign_one(ca, request(host_key, name="server1", names=("logs.example.org",), usage="server"), index=index)
    index.revoke_host("server1", "key compromise", x509.iso(NOW))
    newcomer = x509.generate_private_key("ecdsa-p256")
    for names in (("logs.example.org",), ("SERVER1",)):
        certs, dummy, refused = x509.sign_requests(
            [request(newcomer, name="client9", names=names)], ca[0], ca[1], policy(), index, NOW)
        assert certs == {} and "(held by server1)" in refused["client9"]
    index.unrevoke_host("server1")
    certs, dummy, refused = x509.sign_requests(
        [request(newcomer, name="client9", names=("logs.example.org",))], ca[0], ca[1], policy(), index, NOW)
    assert "client9" in certs and refused == {}


def test_a_certificate_the_index_does_not_know_is_replaced_and_then_listed(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key))
    index = ca_index.Index()  # as after a rebuild from the CRL: the current certificate is not in it
    new, reason = sign_one(ca, request(host_key, certificate=pem), index=index)
    assert reason == "the CA index has no record of the certificate" and new != pem
    withdrawn = index.withdrawn(x509.iso(NOW), x509.ca_key_id(ca[0]))
    assert [int(e["serial"], 16) for e in withdrawn] == [x509.load_certificate(pem).serial_number]


def test_crls_carry_their_number(ca):
    crl = x509.build_crl(ca[0], ca[1], [], 30, NOW, number=42)
    assert x509.crl_number_of(crl) == 42


def forged_current_certificate(ca_cert, host_key, serial, not_before):
    """What root on a host can make: the CA's issuer name and key identifier, its own signature."""
    return x509.certificate_to_pem(
        cx509.CertificateBuilder().subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "client1")]))
        .issuer_name(ca_cert.subject).public_key(host_key.public_key()).serial_number(serial)
        .not_valid_before(not_before).not_valid_after(NOW + datetime.timedelta(days=300))
        .add_extension(cx509.SubjectAlternativeName([cx509.DNSName("client1")]), critical=False)
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(cx509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
        .sign(host_key, hashes.SHA256()))


@pytest.mark.parametrize("serial,not_before", [
    (0xdeadbeef, NOW), (1, datetime.datetime(1950, 1, 1, tzinfo=datetime.timezone.utc)), (2 ** 159 - 1, NOW),
])
def test_a_forged_current_certificate_is_replaced_and_never_recorded(ca, host_key, serial, not_before):
    index = ca_index.Index()
    forged = forged_current_certificate(ca[0], host_key, serial, not_before)
    new, reason = sign_one(ca, request(host_key, names=(), certificate=forged), index=index)
    assert reason == "the certificate's signature is not the CA's" and new != forged
    assert [e["serial"] for e in index.certificates] == ["%x" % x509.load_certificate(new).serial_number]


def test_the_ca_signature_is_checked_for_rsa_cas_too(host_key):
    key = x509.generate_private_key("rsa-3072")
    rsa_ca = (x509.build_ca_certificate(key, "RSA CA", 3650, NOW), key)
    pem, dummy = sign_one(rsa_ca, request(host_key, names=()))
    assert x509.signed_by(x509.load_certificate(pem), rsa_ca[0])
    forged = forged_current_certificate(rsa_ca[0], host_key, 5, NOW)
    assert not x509.signed_by(x509.load_certificate(forged), rsa_ca[0])


def test_a_name_is_reserved_for_the_batch_host_given_it_even_when_that_host_is_refused(ca, host_key):
    broken = {"name": "a", "names": ["shared"], "csr": "x", "usage": "client"}
    other = request(x509.generate_private_key("ecdsa-p256"), name="b", names=("shared",))
    certs, dummy, refused = x509.sign_requests([broken, other], ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert certs == {} and refused["b"] == "the names of b include shared (held by a)"
