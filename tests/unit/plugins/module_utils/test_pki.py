import os
import stat

import pytest

from ansible_collections.auditlog.fleet.plugins.module_utils import files, pki, x509


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def ca_paths(tmp_path):
    return str(tmp_path / "ca.key"), str(tmp_path / "ca.pem")


def ensure_ca(paths, check_mode=False, common_name="Test CA", key_type="ecdsa-p256"):
    return pki.ensure_ca(paths[0], paths[1], common_name, key_type, 3650, check_mode)


def test_ca_is_created_with_a_private_key_for_root_only(ca_paths):
    result = ensure_ca(ca_paths)
    assert result["changed"]
    assert mode_of(ca_paths[0]) == 0o600
    assert mode_of(ca_paths[1]) == 0o644
    cert = x509.load_certificate(result["certificate"])
    key = x509.load_private_key(open(ca_paths[0], "rb").read())
    assert x509.same_public_key(cert.public_key(), key.public_key())


def test_ca_second_run_changes_nothing(ca_paths):
    first = ensure_ca(ca_paths)
    before = open(ca_paths[0], "rb").read(), open(ca_paths[1], "rb").read()
    second = ensure_ca(ca_paths)
    assert not second["changed"] and second["changes"] == []
    assert second["certificate"] == first["certificate"]
    assert (open(ca_paths[0], "rb").read(), open(ca_paths[1], "rb").read()) == before


def test_ca_check_mode_writes_nothing(ca_paths):
    result = ensure_ca(ca_paths, check_mode=True)
    assert result["changed"] and result["certificate"] is None
    assert not os.path.exists(ca_paths[0]) and not os.path.exists(ca_paths[1])


def test_ca_renamed_keeps_its_key(ca_paths):
    ensure_ca(ca_paths)
    key_before = open(ca_paths[0], "rb").read()
    result = ensure_ca(ca_paths, common_name="Renamed CA")
    assert result["changed"]
    assert any("common name changed" in change for change in result["changes"])
    assert open(ca_paths[0], "rb").read() == key_before
    assert x509.common_name_of(x509.load_certificate(result["certificate"]).subject) == "Renamed CA"


def test_ca_loose_key_mode_is_tightened(ca_paths):
    ensure_ca(ca_paths)
    os.chmod(ca_paths[0], 0o644)
    result = ensure_ca(ca_paths)
    assert result["changed"] and mode_of(ca_paths[0]) == 0o600


def test_ca_key_type_change_is_refused(ca_paths):
    ensure_ca(ca_paths)
    with pytest.raises(x509.CertificateError, match="needs a key rotation"):
        ensure_ca(ca_paths, key_type="rsa-3072")


def test_ca_unreadable_key_is_named(ca_paths):
    with open(ca_paths[0], "wb") as handle:
        handle.write(b"not a key")
    with pytest.raises(x509.CertificateError, match="ca.key is not a readable"):
        ensure_ca(ca_paths)


def host_key(tmp_path, check_mode=False, names=("client1", "client1.example.org"), mode=0o600):
    return pki.ensure_host_key(str(tmp_path / "host.key"), "ecdsa-p256", mode, None, list(names),
                               str(tmp_path / "host.pem"), check_mode)


def test_host_key_is_made_once_and_kept(tmp_path):
    first = host_key(tmp_path)
    assert first["changed"] and first["certificate"] is None
    assert mode_of(str(tmp_path / "host.key")) == 0o600
    key_before = (tmp_path / "host.key").read_bytes()
    second = host_key(tmp_path)
    assert not second["changed"]
    assert (tmp_path / "host.key").read_bytes() == key_before
    csr = x509.load_csr(second["csr"])
    assert sorted(x509.names_in(csr)) == ["client1", "client1.example.org"]


def test_host_key_result_holds_no_private_material(tmp_path):
    result = host_key(tmp_path)
    assert "PRIVATE KEY" not in repr(result)


def test_host_key_check_mode_makes_no_key_and_no_request(tmp_path):
    result = host_key(tmp_path, check_mode=True)
    assert result["changed"] and result["csr"] is None
    assert not (tmp_path / "host.key").exists()


def test_host_returns_its_current_certificate(tmp_path):
    (tmp_path / "host.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    assert host_key(tmp_path)["certificate"] == "-----BEGIN CERTIFICATE-----\n"


def test_host_key_group_readable_mode(tmp_path):
    host_key(tmp_path, mode=0o640)
    assert mode_of(str(tmp_path / "host.key")) == 0o640


@pytest.mark.parametrize("value,expected", [("0640", 0o640), ("600", 0o600), (0o644, 0o644)])
def test_modes_parse_as_octal(value, expected):
    assert files.parse_mode(value) == expected


def test_a_mode_that_is_not_octal_is_named():
    with pytest.raises(ValueError, match="'rw-r--r--'"):
        files.parse_mode("rw-r--r--")


def test_ca_key_gets_protected_by_a_new_passphrase(ca_paths):
    ensure_ca(ca_paths)
    result = pki.ensure_ca(ca_paths[0], ca_paths[1], "Test CA", "ecdsa-p256", 3650, False, passphrase="s3cret")
    assert result["changed"] and any("protected" in c for c in result["changes"])
    pem = open(ca_paths[0], "rb").read()
    assert x509.is_encrypted_pem(pem) and mode_of(ca_paths[0]) == 0o600
    again = pki.ensure_ca(ca_paths[0], ca_paths[1], "Test CA", "ecdsa-p256", 3650, False, passphrase="s3cret")
    assert not again["changed"]
    with pytest.raises(x509.CertificateError, match="passphrase for .*ca.key is wrong"):
        pki.ensure_ca(ca_paths[0], ca_paths[1], "Test CA", "ecdsa-p256", 3650, False, passphrase="guess")


def test_host_key_rotation_on_request(tmp_path):
    host_key(tmp_path)
    before = (tmp_path / "host.key").read_bytes()
    result = pki.ensure_host_key(str(tmp_path / "host.key"), "ecdsa-p256", 0o600, None, ["client1"],
                                 str(tmp_path / "host.pem"), False, rotate=True)
    assert result["changed"] and (tmp_path / "host.key").read_bytes() != before


@pytest.fixture
def ca_files(tmp_path):
    paths = str(tmp_path / "ca.key"), str(tmp_path / "ca.pem")
    pki.ensure_ca(paths[0], paths[1], "Test CA", "ecdsa-p256", 3650, False, passphrase="pw")
    return pki.CAFiles(paths[0], paths[1], str(tmp_path / "index.json"), str(tmp_path / "crl.pem"), "pw")


POLICY = x509.RenewalPolicy(365, 30, 0)


def requests_for(tmp_path, *names, certificates=None):
    reqs = []
    for name in names:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        made = host_key(folder, names=(name,))
        reqs.append({"name": name, "csr": made["csr"], "usage": "client",
                     "certificate": (certificates or {}).get(name)})
    return reqs


def test_signing_writes_index_and_crl_once(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)
    assert first["changed"] and sorted(first["reasons"]) == ["a", "b"]
    assert mode_of(ca_files.index_path) == 0o600 and mode_of(ca_files.crl_path) == 0o644
    index_before = open(ca_files.index_path).read()
    crl_before = open(ca_files.crl_path).read()
    again = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=first["certificates"]), POLICY, 30, False)
    assert not again["changed"] and again["changes"] == []
    assert open(ca_files.index_path).read() == index_before and open(ca_files.crl_path).read() == crl_before


def test_signing_in_check_mode_writes_nothing(tmp_path, ca_files):
    result = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, True)
    assert result["changed"] and "a" in result["certificates"]
    assert not os.path.exists(ca_files.index_path) and not os.path.exists(ca_files.crl_path)


def test_revoking_a_host_lists_it_in_the_crl_and_refuses_it(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    result = pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)
    assert result["changed"] and result["revoked_hosts"] == ["b"]
    crl = x509.x509.load_pem_x509_crl(open(ca_files.crl_path, "rb").read())
    assert [r.serial_number for r in crl] == [x509.load_certificate(issued["b"]).serial_number]
    assert not pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)["changed"]
    signed = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=issued), POLICY, 30, False)
    assert "b" in signed["refused"] and "b" not in signed["certificates"] and not signed["changed"]
    back = pki.revoke(ca_files, [], [], ["b"], "", 30, False)
    assert back["changed"] and back["revoked_hosts"] == []


def test_revoking_an_unknown_serial_is_an_error(ca_files):
    with pytest.raises(x509.CertificateError, match="serial ff was not issued by this CA"):
        pki.revoke(ca_files, [], [0xFF], [], "x", 30, False)


def test_a_corrupt_index_is_named(tmp_path, ca_files):
    with open(ca_files.index_path, "w") as handle:
        handle.write("{not json")
    with pytest.raises(x509.CertificateError, match="index.json is not valid JSON"):
        pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)
