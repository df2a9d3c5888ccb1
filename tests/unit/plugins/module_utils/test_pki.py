import json
import os
import re
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
    index_path, crl_path = str(tmp_path / "index.json"), str(tmp_path / "crl.pem")
    pki.ensure_ca(paths[0], paths[1], "Test CA", "ecdsa-p256", 3650, False, passphrase="pw",
                  index_path=index_path, crl_path=crl_path)
    return pki.CAFiles(paths[0], paths[1], index_path, crl_path, "pw")


POLICY = x509.RenewalPolicy(365, 30, 0)


def requests_for(tmp_path, *names, certificates=None):
    reqs = []
    for name in names:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
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
    index_before = open(ca_files.index_path).read()
    result = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, True)
    assert result["changed"] and "a" in result["certificates"]
    assert open(ca_files.index_path).read() == index_before and not os.path.exists(ca_files.crl_path)


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


def test_a_host_whose_certificate_was_revoked_by_serial_is_named_for_reissue(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", "c"), POLICY, 30, False)["certificates"]
    serial_of_a = x509.load_certificate(issued["a"]).serial_number
    result = pki.revoke(ca_files, ["c"], [serial_of_a], [], "key leaked", 30, False)
    # c is revoked as a host: it gets nothing. a only lost one certificate.
    assert result["hosts_to_reissue"] == ["a"]
    assert pki.revoke(ca_files, [], [serial_of_a], [], "key leaked", 30, False)["hosts_to_reissue"] == ["a"]
    same_key = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=issued), POLICY, 30, False)
    assert "which was revoked" in same_key["refused"]["a"] and "%x" % serial_of_a in same_key["refused"]["a"]
    assert same_key["reasons"] == {} and "a" not in same_key["certificates"]
    new_key = requests_for(tmp_path / "rotated", "a", certificates=issued)
    renewed = pki.sign_batch(ca_files, new_key + requests_for(tmp_path, "b", certificates=issued), POLICY, 30, False)
    assert renewed["reasons"] == {"a": "the certificate was revoked"}
    assert pki.revoke(ca_files, [], [], [], "", 30, False)["hosts_to_reissue"] == []


def sans(pem):
    return x509.names_in(x509.load_certificate(pem))


def test_a_certificate_carries_its_host_identity_which_its_peers_permit(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False, peers=["a", "b"])
    identity = first["peer_names"]["a"]
    assert len(identity) == 1 and re.fullmatch(r"a-[0-9a-f]{16}\.auditlog\.invalid", identity[0])
    assert sans(first["certificates"]["a"]) == ["a"] + identity
    assert first["peer_names"]["b"] != identity and "gave a an identity" in first["changes"]
    again = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=first["certificates"]), POLICY,
                           30, False, peers=["a"])
    assert not again["changed"] and again["peer_names"] == {"a": identity}


def test_a_peer_not_yet_enrolled_gets_the_identity_its_first_certificate_carries(tmp_path, ca_files):
    servers = pki.sign_batch(ca_files, requests_for(tmp_path, "server"), POLICY, 30, False, peers=["client"])
    assert servers["changed"] and "gave client an identity" in servers["changes"]
    identity, = servers["peer_names"]["client"]
    client = pki.sign_batch(ca_files, requests_for(tmp_path, "client"), POLICY, 30, False, peers=["client"])
    assert sans(client["certificates"]["client"]) == ["client", identity]
    # What the servers permit does not change once the client has its certificate: a second
    # run of site.yml changes nothing.
    assert client["peer_names"]["client"] == [identity]


def test_a_peer_that_is_no_name_is_an_error(ca_files):
    with pytest.raises(x509.CertificateError, match="peer '\\*.example.org' is a wildcard"):
        pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["*.example.org"])


def test_revoking_a_serial_gives_the_host_an_identity_no_revoked_certificate_carries(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    renewed = pki.sign_batch(ca_files, requests_for(tmp_path / "renewed", "a"), POLICY, 30, False)["certificates"]
    old_identity = sans(issued["a"])[1]
    # The superseded certificate carries the same identity as the current one: revoking it
    # must take that identity from both.
    result = pki.revoke(ca_files, [], [x509.load_certificate(issued["a"]).serial_number], [], "key leaked", 30, False)
    assert result["hosts_to_reissue"] == ["a"]
    after = pki.sign_batch(ca_files, requests_for(tmp_path / "rotated", "a", certificates=renewed), POLICY, 30,
                           False, peers=["a", "b"])
    assert after["reasons"] == {"a": "the host key changed"}
    permitted = after["peer_names"]["a"]
    assert permitted != [old_identity] and not set(permitted) & set(sans(issued["a"]) + sans(renewed["a"]))
    # The new certificate also carries the identity peers permitted until now, so that a peer
    # not yet told of the new one keeps accepting the host.
    assert sans(after["certificates"]["a"]) == ["a"] + permitted + [old_identity]
    assert after["peer_names"]["b"] == [sans(issued["b"])[1]]


def test_a_revoked_certificate_is_never_permitted_by_the_host_name(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)["certificates"]
    pki.revoke(ca_files, [], [x509.load_certificate(first["a"]).serial_number], [], "key leaked", 30, False)
    # Before the host's new certificate, and after it.
    assert "a" not in pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["a"])["peer_names"]["a"]
    after = pki.sign_batch(ca_files, requests_for(tmp_path / "rotated", "a", certificates=first), POLICY, 30, False,
                           peers=["a"])
    assert "a" not in after["peer_names"]["a"]


def test_after_an_index_rebuild_renewal_gives_every_host_back_the_identity_its_peers_permit(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "server", "client", "revoked"), POLICY, 30, False,
                            peers=["client"])["certificates"]
    before = pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["server", "client"])["peer_names"]
    pki.revoke(ca_files, ["revoked"], [], [], "decommissioned", 30, False)
    damage(ca_files.index_path, "not json")
    pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                  passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path, recover_index=True)
    pki.revoke(ca_files, ["revoked"], [], [], "decommissioned", 30, False)
    # docs/ca.md's path: renew.yml, the servers' batch then the clients', before site.yml.
    servers = pki.sign_batch(ca_files, requests_for(tmp_path, "server", certificates=issued), POLICY, 30, False)
    assert "took the identity of server from its current certificate" in servers["changes"]
    assert servers["reasons"] == {"server": "the CA index has no record of the certificate"}
    clients = pki.sign_batch(ca_files, requests_for(tmp_path, "client", "revoked", certificates=issued), POLICY, 30,
                             False)
    assert "revoked" in clients["refused"]
    assert sans(servers["certificates"]["server"])[1:] == before["server"]
    assert sans(clients["certificates"]["client"])[1:] == before["client"]
    site = pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["server", "client"])
    assert site["peer_names"] == before and not site["changed"]


def test_an_identity_is_taken_only_from_the_hosts_own_valid_certificate(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    ca = ca_files.load()
    index = pki.ca_index.Index()
    assert x509.carried_identity({"name": "a", "certificate": issued["a"]}, ca.cert, index) == [
        ca.index.identities["a"]["current"]]
    assert x509.carried_identity({"name": "b", "certificate": issued["a"]}, ca.cert, index) == []
    assert x509.carried_identity({"name": "a", "certificate": "not a certificate"}, ca.cert, index) == []
    index.certificates = [dict(entry, status="revoked", revoked_at=entry["not_before"]) for entry in ca.index.certificates]
    assert x509.carried_identity({"name": "a", "certificate": issued["a"]}, ca.cert, index) == []


def test_a_revoked_host_keeps_no_permitted_identity(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)["certificates"]
    serial = x509.load_certificate(first["a"]).serial_number
    pki.revoke(ca_files, [], [serial], [], "key leaked", 30, False)
    second = pki.sign_batch(ca_files, requests_for(tmp_path / "rotated", "a", certificates=first), POLICY, 30,
                            False)["certificates"]
    pki.revoke(ca_files, ["a"], [], [], "retired", 30, False)
    permitted = pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["a"])["peer_names"]["a"]
    assert len(permitted) == 1 and not set(permitted) & set(sans(first["a"]) + sans(second["a"]))
    pki.revoke(ca_files, [], [], ["a"], "", 30, False)
    back = pki.sign_batch(ca_files, requests_for(tmp_path / "back", "a", certificates=second), POLICY, 30, False,
                          peers=["a"])
    assert back["peer_names"]["a"] == permitted and sans(back["certificates"]["a"])[1] == permitted[0]


def test_a_host_certified_before_identities_is_permitted_by_name_until_it_has_one(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)["certificates"]
    # What an index of collection 0.1 holds: no identities, certificates with the host's names only.
    data = json.load(open(ca_files.index_path))
    del data["identities"]
    for entry in data["certificates"]:
        entry["names"] = ["a"]
    files.write_atomic(ca_files.index_path, json.dumps(data), 0o600)
    during = pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["a"])["peer_names"]["a"]
    assert during[1:] == ["a"]
    upgraded = pki.sign_batch(ca_files, requests_for(tmp_path, "a", certificates=first), POLICY, 30, False,
                              peers=["a"])
    assert upgraded["peer_names"]["a"] == during[:1] == sans(upgraded["certificates"]["a"])[1:]


def test_revoking_an_unknown_serial_is_an_error(ca_files):
    with pytest.raises(x509.CertificateError, match="serial ff was not issued by this CA"):
        pki.revoke(ca_files, [], [0xFF], [], "x", 30, False)


def test_a_new_ca_starts_an_empty_index(ca_files):
    assert json.load(open(ca_files.index_path)) == {"version": 1, "certificates": [], "revoked_hosts": {},
                                                    "crl_number": 0, "identities": {}}
    assert mode_of(ca_files.index_path) == 0o600


def damage(path, how):
    if how == "missing":
        os.unlink(path)
        return
    content = {"empty": "", "blank": "\n", "not json": "{not json", "a list": "[]",
               "an entry without a serial": json.dumps({"version": 1, "revoked_hosts": {}, "certificates": [
                   {"name": "a", "subject": "CN=a", "names": ["a"], "usage": "client", "status": "valid",
                    "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z"}]}),
               "a revoked entry without its time": json.dumps({"version": 1, "revoked_hosts": {}, "certificates": [
                   {"serial": "ab", "name": "a", "subject": "CN=a", "names": ["a"], "usage": "client",
                    "status": "revoked", "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z"}]}),
               "a revoked host without a reason": json.dumps({"version": 1, "certificates": [],
                                                              "revoked_hosts": {"a": "yes"}}),
               "an identity that is no token": json.dumps({"version": 1, "certificates": [], "revoked_hosts": {},
                                                           "identities": {"a": {"current": "a.example.org"}}}),
               "an identity without its current token": json.dumps({
                   "version": 1, "certificates": [], "revoked_hosts": {},
                   "identities": {"a": {"previous": "0123456789abcdef"}}}),
               "an entry with a key that is no digest": json.dumps({"version": 1, "revoked_hosts": {}, "certificates": [
                   {"serial": "ab", "name": "a", "subject": "CN=a", "names": ["a"], "usage": "client", "key": "ab",
                    "status": "valid", "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z"}]}),
               }[how]
    with open(path, "w") as handle:
        handle.write(content)


DAMAGES = ["missing", "empty", "blank", "not json", "a list", "an entry without a serial",
           "a revoked entry without its time", "a revoked host without a reason", "an identity that is no token",
           "an identity without its current token", "an entry with a key that is no digest"]


@pytest.mark.parametrize("how", DAMAGES)
def test_the_ca_works_with_no_index_but_its_own(tmp_path, ca_files, how):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)
    crl_before = open(ca_files.crl_path, "rb").read()
    damage(ca_files.index_path, how)
    after_damage = files.read_or_none(ca_files.index_path)
    for attempt in (
        lambda: pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=issued), POLICY, 30, False),
        lambda: pki.revoke(ca_files, ["a"], [], [], "x", 30, False),
        lambda: pki.rotate(ca_files, "introduce", trust_path(ca_files), NEW_CA, 30, False),
        lambda: pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                              passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path),
    ):
        with pytest.raises(x509.CertificateError, match="syslog_ca_recover_index=true"):
            attempt()
    assert open(ca_files.crl_path, "rb").read() == crl_before
    assert files.read_or_none(ca_files.index_path) == after_damage


def test_a_lost_index_is_rebuilt_from_the_crl_and_nothing_revoked_comes_back(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", "c"), POLICY, 30, False)["certificates"]
    pki.revoke(ca_files, ["b"], [x509.load_certificate(issued["c"]).serial_number], [], "key leaked", 30, False)
    listed_before = set(x509.crl_revocations(x509.read_crl_bundle(open(ca_files.crl_path, "rb").read())[0]))
    number_before = x509.crl_number_of(x509.read_crl_bundle(open(ca_files.crl_path, "rb").read())[0])
    damage(ca_files.index_path, "not json")
    recovered = pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                              passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path,
                              recover_index=True)
    assert any("rebuilt the CA index" in change and "2 revoked serials" in change for change in recovered["changes"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("index.json.damaged-")]
    pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)  # the documented step: revoke hosts again
    again = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", "c", certificates=issued), POLICY, 30, False)
    assert "b" in again["refused"]
    assert sorted(again["reasons"]) == ["a", "c"]  # unknown to the new index, or revoked
    crl = x509.read_crl_bundle(open(ca_files.crl_path, "rb").read())[0]
    listed = set(x509.crl_revocations(crl))
    assert listed_before <= listed
    assert x509.load_certificate(issued["a"]).serial_number in listed  # superseded on replacement
    assert x509.crl_number_of(crl) > number_before
    assert not pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                             passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path,
                             recover_index=True)["changed"]


def test_no_index_and_no_crl_cannot_be_rebuilt(ca_files):
    damage(ca_files.index_path, "missing")
    with pytest.raises(x509.CertificateError, match="without the CRL"):
        pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                      passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path,
                      recover_index=True)


def test_a_crl_never_drops_an_unexpired_serial_the_last_one_listed(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    index_before = open(ca_files.index_path).read()
    pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)
    crl_before = open(ca_files.crl_path, "rb").read()
    # An index from before the revocation, restored over the current one.
    with open(ca_files.index_path, "w") as handle:
        handle.write(index_before)
    with pytest.raises(x509.CertificateError, match="would no longer list serial %x" %
                       x509.load_certificate(issued["b"]).serial_number):
        pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=issued), POLICY, 30, False)
    assert open(ca_files.crl_path, "rb").read() == crl_before


def test_each_crl_has_a_higher_number(tmp_path, ca_files):
    numbers = []
    pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)
    for host in ("a", "b"):
        numbers.append(x509.crl_number_of(x509.read_crl_bundle(open(ca_files.crl_path, "rb").read())[0]))
        pki.revoke(ca_files, [host], [], [], "x", 30, False)
    numbers.append(x509.crl_number_of(x509.read_crl_bundle(open(ca_files.crl_path, "rb").read())[0]))
    assert numbers == sorted(set(numbers)) and numbers[0] >= 1


# --- CA rotation ---------------------------------------------------------------------

NEW_CA = {"common_name": "Test CA", "key_type": "ecdsa-p256", "validity_days": 3650}


def rotate(ca_files, step, check_mode=False):
    return pki.rotate(ca_files, step, trust_path(ca_files), NEW_CA, 30, check_mode)


def trust_path(ca_files):
    return os.path.join(os.path.dirname(ca_files.index_path), "trust.pem")


def pem_blocks(path, label="CERTIFICATE"):
    return open(path).read().count("-----BEGIN %s-----" % label)


def issuer_of(pem):
    return x509.load_certificate(pem).issuer


def subject_of(path):
    return x509.load_certificate(open(path, "rb").read()).subject


def test_the_ca_role_writes_a_trust_bundle_of_one_ca(tmp_path, ca_files):
    bundle = str(tmp_path / "trust.pem")
    first = pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                          passphrase="pw", trust_bundle_path=bundle)
    assert first["changed"] and open(bundle).read() == open(ca_files.certificate_path).read()
    again = pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                          passphrase="pw", trust_bundle_path=bundle)
    assert not again["changed"]


def test_a_rotation_keeps_every_host_trusted_at_every_step(tmp_path, ca_files):
    old_subject = subject_of(ca_files.certificate_path)
    old_certificates = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]

    introduced = rotate(ca_files, "introduce")
    assert introduced["changed"] and introduced["state"] == "introduced"
    next_key, next_certificate = ca_files.companion(pki.NEXT)
    assert mode_of(next_key) == 0o600 and open(next_key).read().startswith("-----BEGIN ENCRYPTED PRIVATE KEY")
    assert pem_blocks(trust_path(ca_files)) == 2 and pem_blocks(ca_files.crl_path, "X509 CRL") == 2
    new_subject = subject_of(next_certificate)
    assert new_subject != old_subject
    # Introduced, the new CA signs nothing yet: the hosts keep their certificates.
    kept = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=old_certificates), POLICY, 30, False)
    assert not kept["changed"] and kept["certificates"] == old_certificates
    assert not rotate(ca_files, "introduce")["changed"]
    with pytest.raises(x509.CertificateError, match="not promoted yet"):
        rotate(ca_files, "retire")

    bundle_before = open(trust_path(ca_files)).read()
    promoted = rotate(ca_files, "promote")
    assert promoted["changed"] and promoted["state"] == "promoted"
    assert subject_of(ca_files.certificate_path) == new_subject
    assert subject_of(ca_files.companion(pki.PREVIOUS)[1]) == old_subject
    assert open(trust_path(ca_files)).read() == bundle_before, "a promotion must not change what the hosts trust"
    assert not rotate(ca_files, "promote")["changed"]

    renewed = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=old_certificates), POLICY, 30, False)
    assert renewed["reasons"] == {"a": "the certificate was issued by another CA", "b": "the certificate was issued by another CA"}
    assert all(issuer_of(pem) == new_subject for pem in renewed["certificates"].values())
    # The old CA's CRL now lists the certificates it issued, which the new ones superseded.
    crls = [x509.x509.load_pem_x509_crl(block) for block in x509._PEM_CRL.findall(open(ca_files.crl_path, "rb").read())]
    old_crl = [crl for crl in crls if crl.issuer == old_subject][0]
    assert sorted(r.serial_number for r in old_crl) == sorted(
        x509.load_certificate(pem).serial_number for pem in old_certificates.values())

    retired = rotate(ca_files, "retire")
    assert retired["changed"] and retired["state"] == "none"
    assert retired["trusted"] == [new_subject.rfc4514_string()]
    assert pem_blocks(trust_path(ca_files)) == 1 and subject_of(trust_path(ca_files)) == new_subject
    assert pem_blocks(ca_files.crl_path, "X509 CRL") == 1
    assert not os.path.exists(ca_files.companion(pki.PREVIOUS)[0])
    assert not os.path.exists(ca_files.companion(pki.PREVIOUS)[1])
    assert len([name for name in os.listdir(str(tmp_path)) if name.startswith("ca.retired-")]) == 1
    assert not rotate(ca_files, "retire")["changed"]
    again = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b", certificates=renewed["certificates"]), POLICY, 30, False)
    assert not again["changed"]


def test_the_old_ca_is_not_retired_while_a_host_holds_its_certificate(tmp_path, ca_files):
    old_certificates = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    # An index written before issuers were recorded.
    index = open(ca_files.index_path).read().replace('"ca": ', '"ca_was": ')
    with open(ca_files.index_path, "w") as handle:
        handle.write(index)
    rotate(ca_files, "introduce")
    rotate(ca_files, "promote")
    pki.sign_batch(ca_files, requests_for(tmp_path, "a", certificates=old_certificates), POLICY, 30, False)
    with pytest.raises(x509.CertificateError, match=r"b still holds a valid certificate it issued"):
        rotate(ca_files, "retire")
    assert os.path.exists(ca_files.companion(pki.PREVIOUS)[0])
    pki.revoke(ca_files, ["b"], [], [], "decommissioned", 30, False)
    assert rotate(ca_files, "retire")["state"] == "none"


def test_rotation_steps_out_of_order_are_named(ca_files):
    with pytest.raises(x509.CertificateError, match="no new CA was introduced"):
        rotate(ca_files, "promote")
    # With no rotation under way, retire only publishes what a new CA lacks (CRL, trust bundle).
    settled = rotate(ca_files, "retire")
    assert settled["state"] == "none" and not any("retired" in change for change in settled["changes"])
    assert not rotate(ca_files, "retire")["changed"]
    rotate(ca_files, "introduce")
    rotate(ca_files, "promote")
    with pytest.raises(x509.CertificateError, match="finish that rotation with the step retire"):
        rotate(ca_files, "introduce")


def test_rotation_in_check_mode_writes_nothing(ca_files):
    pki.rotate(ca_files, "introduce", trust_path(ca_files), NEW_CA, 30, False)
    before = sorted(os.listdir(os.path.dirname(ca_files.index_path)))
    result = rotate(ca_files, "promote", check_mode=True)
    assert result["changed"] and result["state"] == "introduced"
    assert sorted(os.listdir(os.path.dirname(ca_files.index_path))) == before


def test_an_interrupted_promotion_is_finished_by_promoting_again(tmp_path, ca_files):
    rotate(ca_files, "introduce")
    new_subject = subject_of(ca_files.companion(pki.NEXT)[1])
    # A crash after the old CA was copied aside, before the new one took its place.
    for source, target in zip((ca_files.key_path, ca_files.certificate_path), ca_files.companion(pki.PREVIOUS)):
        with open(source, "rb") as handle, open(target, "wb") as copy:
            copy.write(handle.read())
    os.rename(ca_files.companion(pki.NEXT)[0], ca_files.key_path)
    with pytest.raises(x509.CertificateError, match="promotion of the new CA was interrupted"):
        pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)
    result = rotate(ca_files, "promote")
    assert result["state"] == "promoted" and "finished the interrupted promotion of the new CA" in result["changes"]
    assert subject_of(ca_files.certificate_path) == new_subject


def test_the_companion_of_a_file_sits_beside_it():
    assert pki.companion_path("/var/lib/auditlog-ca/ca.key", "next") == "/var/lib/auditlog-ca/ca.next.key"
    assert pki.companion_path("/srv/ca/signing", "previous") == "/srv/ca/signing.previous"


def test_revoking_two_serials_of_a_host_at_once_changes_its_identity_once(tmp_path, ca_files):
    first = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False, peers=["a"])
    permitted_before = first["peer_names"]["a"]
    renewed = pki.sign_batch(ca_files, requests_for(tmp_path / "renewed", "a"), POLICY, 30, False)["certificates"]
    serials = [x509.load_certificate(pem).serial_number for pem in (first["certificates"]["a"], renewed["a"])]
    pki.revoke(ca_files, [], serials, [], "key leaked", 30, False)
    after = pki.sign_batch(ca_files, requests_for(tmp_path / "rotated", "a", certificates=renewed), POLICY, 30, False,
                           peers=["a"])
    # The peers not yet reconfigured still permit the identity before, which it carries.
    assert sans(after["certificates"]["a"]) == ["a"] + after["peer_names"]["a"] + permitted_before


def test_a_revoke_run_that_stopped_halfway_is_repeated_as_it_was(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a", "b"), POLICY, 30, False)["certificates"]
    renewed = pki.sign_batch(ca_files, requests_for(tmp_path / "renewed", "a"), POLICY, 30, False)["certificates"]
    old_serial = x509.load_certificate(issued["a"]).serial_number
    assert pki.revoke(ca_files, [], [old_serial], [], "key leaked", 30, False)["hosts_to_reissue"] == ["a"]
    # Stopped before a got its new certificate: the second run still names a, for both steps.
    again = pki.revoke(ca_files, [], [old_serial], [], "key leaked", 30, False)
    assert not again["changed"]
    assert again["hosts_to_reissue"] == ["a"] and again["hosts_with_new_identity"] == ["a"]
    pki.sign_batch(ca_files, requests_for(tmp_path / "rotated", "a", certificates=renewed), POLICY, 30, False)
    done = pki.revoke(ca_files, [], [old_serial], [], "key leaked", 30, False)
    assert done["hosts_to_reissue"] == [] and done["hosts_with_new_identity"] == ["a"]


def test_a_host_revoked_after_an_index_rebuild_keeps_neither_its_name_nor_its_identity(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "server", "client"), POLICY, 30, False)["certificates"]
    pki.revoke(ca_files, [], [x509.load_certificate(issued["client"]).serial_number], [], "key leaked", 30, False)
    damage(ca_files.index_path, "not json")
    pki.ensure_ca(ca_files.key_path, ca_files.certificate_path, "Test CA", "ecdsa-p256", 3650, False,
                  passphrase="pw", index_path=ca_files.index_path, crl_path=ca_files.crl_path, recover_index=True)
    revoked = pki.revoke(ca_files, ["server"], [], [], "compromised", 30, False)
    assert revoked["hosts_to_reissue"] == []  # not the CRL's serials of unknown hosts
    batch = pki.sign_batch(ca_files, requests_for(tmp_path, "server", certificates=issued), POLICY, 30, False,
                           peers=["server"])
    assert "server" in batch["refused"]
    permitted = batch["peer_names"]["server"]
    assert len(permitted) == 1 and not set(permitted) & set(sans(issued["server"]))


def test_a_host_with_a_revoked_certificate_from_before_identities_is_never_permitted_by_name(tmp_path, ca_files):
    issued = pki.sign_batch(ca_files, requests_for(tmp_path, "a"), POLICY, 30, False)["certificates"]
    pki.sign_batch(ca_files, requests_for(tmp_path / "renewed", "a"), POLICY, 30, False)
    data = json.load(open(ca_files.index_path))
    del data["identities"]
    for entry in data["certificates"]:
        entry["names"] = ["a"]
    files.write_atomic(ca_files.index_path, json.dumps(data), 0o600)
    pki.revoke(ca_files, [], [x509.load_certificate(issued["a"]).serial_number], [], "key leaked", 30, False)
    assert pki.sign_batch(ca_files, [], POLICY, 30, False, peers=["a"])["peer_names"]["a"][1:] == []
