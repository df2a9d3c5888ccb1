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
