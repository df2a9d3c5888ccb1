import datetime
import ipaddress

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.auditlog.fleet.plugins.module_utils import ca_index, x509

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def ca():
    key = x509.generate_private_key("ecdsa-p256")
    return x509.build_ca_certificate(key, "Test CA", 3650, NOW), key


@pytest.fixture(scope="module")
def host_key():
    return x509.generate_private_key("ecdsa-p256")


def request(key, names=("client1", "client1.example.org", "192.0.2.10"), usage="client", certificate=None, name="client1"):
    return {"name": name, "csr": x509.csr_to_pem(x509.build_csr(key, list(names))), "usage": usage,
            "certificate": certificate}


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


def test_sans_split_dns_and_ip_and_drop_duplicates():
    dns, ips = x509.split_subject_alt_names(["a", "A", "a.example.org", "10.1.2.3", "::1", ""])
    assert dns == ["a", "a.example.org"]
    assert ips == [ipaddress.ip_address("10.1.2.3"), ipaddress.ip_address("::1")]


def test_a_name_with_spaces_is_refused(host_key):
    with pytest.raises(x509.CertificateError, match="neither a DNS name"):
        x509.build_csr(host_key, ["bad name"])


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
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_rsa_host_key_gets_key_encipherment(ca):
    key = x509.generate_private_key("rsa-3072")
    pem, dummy = sign_one(ca, request(key))
    assert x509.load_certificate(pem).extensions.get_extension_for_class(cx509.KeyUsage).value.key_encipherment


def test_second_run_keeps_the_certificate(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key))
    again, reason = sign_one(ca, request(host_key, certificate=pem))
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
    pem, dummy = sign_one(ca, request(host_key))
    just_outside = NOW + datetime.timedelta(days=365 - 31)
    inside = NOW + datetime.timedelta(days=365 - 29)
    assert sign_one(ca, request(host_key, certificate=pem), now=just_outside)[1] is None
    dummy, reason = sign_one(ca, request(host_key, certificate=pem), now=inside)
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
    second = x509.generate_private_key("ecdsa-p256")
    first_pem, dummy = sign_one(ca, request(host_key))
    batch = [request(host_key, certificate=first_pem), request(second, names=("client2",), name="client2")]
    certs, reasons, dummy = x509.sign_requests(batch, ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert certs["client1"] == first_pem
    assert reasons == {"client2": "the host has no certificate"}


def test_a_host_twice_in_a_batch_is_an_error(ca, host_key):
    with pytest.raises(x509.CertificateError, match="appears twice"):
        x509.sign_requests([request(host_key), request(host_key)], ca[0], ca[1], policy(), ca_index.Index(), NOW)


def test_garbage_request_is_named(ca):
    with pytest.raises(x509.CertificateError, match="the request of client1 is not a PEM certificate request"):
        sign_one(ca, {"name": "client1", "csr": "-----BEGIN CERTIFICATE REQUEST-----\nnope\n", "usage": "client"})


def test_tampered_request_is_refused(ca, host_key):
    pem = request(host_key)["csr"]
    body = pem.splitlines()
    # Flip a character inside the signed part of the request.
    line = body[3]
    body[3] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
    with pytest.raises(x509.CertificateError):
        sign_one(ca, {"name": "client1", "csr": "\n".join(body) + "\n", "usage": "client"})


def test_percentage_threshold(ca, host_key):
    pem, dummy = sign_one(ca, request(host_key))
    # 365 days, renew under 20 % left: 73 days. The 30-day rule alone would wait.
    at_74_days_left = NOW + datetime.timedelta(days=365 - 74)
    at_72_days_left = NOW + datetime.timedelta(days=365 - 72)
    assert sign_one(ca, request(host_key, certificate=pem), now=at_74_days_left, renew_before_percent=20)[1] is None
    dummy, reason = sign_one(ca, request(host_key, certificate=pem), now=at_72_days_left, renew_before_percent=20)
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
    new, reason = sign_one(ca, request(host_key, certificate=pem), index=index)
    assert reason == "the certificate was revoked" and new != pem


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
    assert refused == {"client9": "the request of client9 names SERVER1 (held by server1)"}


def test_a_host_cannot_take_another_hosts_inventory_name_in_the_same_batch(ca, host_key):
    intruder = x509.generate_private_key("ecdsa-p256")
    batch = [request(intruder, name="client9", names=("client9", "server1")),
             request(host_key, name="server1", names=("server1",), usage="server")]
    certs, dummy, refused = x509.sign_requests(batch, ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert "server1" in certs and "client9" not in certs
    assert refused["client9"] == "the request of client9 names server1 (held by server1)"


def test_two_hosts_cannot_share_a_name_in_one_batch(ca, host_key):
    other = x509.generate_private_key("ecdsa-p256")
    batch = [request(host_key, name="a", names=("a", "shared")), request(other, name="b", names=("b", "shared"))]
    certs, dummy, refused = x509.sign_requests(batch, ca[0], ca[1], policy(), ca_index.Index(), NOW)
    assert "a" in certs and refused == {"b": "the request of b names shared (held by a)"}


def test_a_renewing_host_keeps_its_own_names(ca, host_key):
    index = ca_index.Index()
    pem, dummy = sign_one(ca, request(host_key), index=index)
    two_days_later = NOW + datetime.timedelta(days=2)
    again, reason = sign_one(ca, request(host_key, certificate=pem), now=two_days_later, index=index,
                             renew_before_days=364)
    assert reason == "the certificate expires in 363 days" and again != pem
