import datetime
import json
import gzip
import os
import pathlib
import stat

import pytest

from ansible_collections.auditlog.fleet.plugins.module_utils import seal

SEALED_AT = "2026-11-23T10:00:00Z"


@pytest.fixture
def archive(tmp_path):
    """An archive root with three rotated files of two clients."""
    for relative, text in (("10.0.0.5/syslog.log-20261120.gz", b"first day\n"),
                           ("10.0.0.5/syslog.log-20261121.gz", b"second day\n"),
                           ("10.0.0.6/syslog.log-20261121.gz", b"other client\n")):
        path = tmp_path / relative
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(gzip.compress(text))
    return str(tmp_path)


def rotated(root):
    return [os.path.relpath(os.path.join(directory, name), root)
            for directory, _subdirectories, names in os.walk(root) for name in names if "syslog.log-" in name]


def test_every_entry_links_to_the_one_before(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    assert [entry["seq"] for entry in entries] == [1, 2, 3]
    assert entries[0]["prev"] == seal.GENESIS
    assert [entry["prev"] for entry in entries[1:]] == [entry["hash"] for entry in entries[:-1]]
    assert seal.chain_problems(entries) == []


def test_extending_seals_only_new_files_and_keeps_the_links(archive):
    entries = seal.extend([], archive, rotated(archive)[:1], SEALED_AT)
    entries += seal.extend(entries, archive, rotated(archive), SEALED_AT)
    assert len(entries) == 3 and len(set(entry["path"] for entry in entries)) == 3
    assert seal.chain_problems(entries) == []
    assert seal.extend(entries, archive, rotated(archive), SEALED_AT) == []


def test_the_chain_survives_its_file_format(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    assert seal.parse_chain(seal.format_entries(entries)) == entries


def test_an_altered_removed_or_moved_entry_breaks_the_chain(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    altered = [dict(entry) for entry in entries]
    altered[1]["sha256"] = "0" * 64
    assert seal.chain_problems(altered) == ["entry 2 (%s) was altered" % entries[1]["path"]]
    assert "entry 2 has sequence number 3" in seal.chain_problems([entries[0], entries[2]])
    moved = seal.chain_problems([entries[1], entries[0], entries[2]])
    assert "entry 1 (%s) does not follow the entry before it" % entries[1]["path"] in moved


def test_files_changed_after_sealing_are_named_by_what_happened(archive):
    paths = sorted(rotated(archive))
    entries = seal.extend([], archive, paths, SEALED_AT)
    with open(os.path.join(archive, paths[0]), "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 1]))
    os.remove(os.path.join(archive, paths[1]))
    with open(os.path.join(archive, paths[2]), "r+b") as handle:
        handle.truncate(5)
    assert seal.file_problems(archive, entries) == {
        "modified": [paths[0]], "removed": [paths[1]], "truncated": [paths[2]]}


def test_untouched_files_have_no_problems(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    assert seal.file_problems(archive, entries) == {"modified": [], "removed": [], "truncated": []}


def test_a_signed_head_verifies_with_the_public_key_only(archive):
    key = seal.new_private_key()
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    head = seal.sign_head(key, entries)
    public = seal.public_key_pem(key).decode("ascii")
    assert seal.head_problems(public, entries, head) == []
    other = seal.public_key_pem(seal.new_private_key()).decode("ascii")
    assert seal.head_problems(other, entries, head) == [
        "the signature of the chain's head is not valid for this server's public key"]


def test_a_chain_cut_after_signing_does_not_match_its_head(archive):
    key = seal.new_private_key()
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    head = seal.sign_head(key, entries)
    public = seal.public_key_pem(key).decode("ascii")
    assert seal.head_problems(public, entries[:2], head) == [
        "the signed head is entry 3, but the chain ends at entry 2"]


def test_a_rebuilt_and_re_signed_chain_is_caught_by_the_pinned_head(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    pinned = {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}
    rebuilt = seal.extend([], archive, rotated(archive), "2026-11-24T00:00:00Z")
    assert seal.chain_problems(rebuilt) == []
    assert seal.pinned_problems(rebuilt, pinned) == ["entry 3 differs from the one recorded before: the chain was rebuilt"]
    assert seal.pinned_problems(rebuilt[:1], pinned) == ["the chain has 1 entries, fewer than the 3 recorded before: it was cut or rebuilt"]
    assert seal.pinned_problems(entries, pinned) == []


def test_the_key_round_trips_and_other_key_types_are_refused():
    key = seal.new_private_key()
    loaded = seal.load_private_key(seal.private_key_pem(key))
    assert seal.public_key_pem(loaded) == seal.public_key_pem(key)
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives import serialization
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(seal.SealError, match="not an Ed25519 key"):
        seal.load_private_key(other)


def test_a_malformed_chain_line_is_reported_by_number():
    first = seal.format_entries([seal.make_entry(1, "sealed", "a/syslog.log-1.gz", 1, "0" * 64, SEALED_AT, seal.GENESIS)])
    with pytest.raises(seal.SealError, match="chain line 2 is not JSON"):
        seal.parse_chain(first + "not json\n")
    with pytest.raises(seal.SealError, match="chain line 1 lacks one of"):
        seal.parse_chain('{"seq": 1}\n')


NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def state(tmp_path):
    directory = tmp_path / "seal"
    directory.mkdir()
    return {"chain_path": str(directory / "chain.jsonl"), "head_path": str(directory / "head.json"),
            "key_path": str(directory / "seal.key")}


def seal_now(archive, state, now=NOW, check_mode=False):
    return seal.seal_archive(archive, state["chain_path"], state["head_path"], state["key_path"], 90, now, check_mode)


def verify(archive, state, public_key, pinned=None):
    return seal.verify_archive(archive, state["chain_path"], state["head_path"], public_key, pinned)


def no_tampering(report):
    return all(not report[kind] for kind in ("removed", "truncated", "modified", "chain"))


def test_the_first_run_makes_a_private_key_and_seals_every_rotation(archive, state):
    result = seal_now(archive, state)
    assert result["changed"] and [entry["event"] for entry in result["added"]] == ["sealed"] * 3
    assert stat.S_IMODE(os.stat(state["key_path"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state["chain_path"]).st_mode) == 0o600
    assert result["head"]["seq"] == 3
    assert no_tampering(verify(archive, state, result["public_key"]))


def test_a_second_run_changes_nothing_and_a_new_rotation_is_sealed_next(archive, state):
    public_key = seal_now(archive, state)["public_key"]
    assert not seal_now(archive, state)["changed"]
    (pathlib.Path(archive) / "10.0.0.6" / "syslog.log-20261122.gz").write_bytes(gzip.compress(b"next day\n"))
    result = seal_now(archive, state)
    assert [entry["path"] for entry in result["added"]] == ["10.0.0.6/syslog.log-20261122.gz"]
    assert result["public_key"] == public_key


def test_check_mode_writes_nothing(archive, state):
    assert seal_now(archive, state, check_mode=True)["changed"]
    assert not any(os.path.exists(path) for path in state.values())


def test_the_current_file_and_other_names_are_not_sealed(archive, state):
    (pathlib.Path(archive) / "10.0.0.5" / "syslog.log").write_bytes(b"still being written\n")
    (pathlib.Path(archive) / "10.0.0.5" / "syslog.log-20261122").write_bytes(b"not compressed yet\n")
    assert len(seal_now(archive, state)["added"]) == 3


def test_verification_names_each_file_flipped_deleted_or_truncated(archive, state):
    public_key = seal_now(archive, state)["public_key"]
    paths = sorted(seal.rotated_files(archive))
    with open(os.path.join(archive, paths[0]), "r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 0x40]))
    os.remove(os.path.join(archive, paths[1]))
    with open(os.path.join(archive, paths[2]), "r+b") as handle:
        handle.truncate(8)
    report = verify(archive, state, public_key)
    assert (report["modified"], report["removed"], report["truncated"]) == ([paths[0]], [paths[1]], [paths[2]])
    assert report["chain"] == []


def test_retention_is_recorded_once_the_file_is_old_enough(archive, state):
    public_key = seal_now(archive, state)["public_key"]
    path = sorted(seal.rotated_files(archive))[0]
    os.remove(os.path.join(archive, path))
    assert seal_now(archive, state, NOW + datetime.timedelta(days=10))["added"] == []
    assert verify(archive, state, public_key)["removed"] == [path]
    added = seal_now(archive, state, NOW + datetime.timedelta(days=90))["added"]
    assert [(entry["event"], entry["path"]) for entry in added] == [("expired", path)]
    assert no_tampering(verify(archive, state, public_key))


def test_a_broken_chain_is_left_as_evidence(archive, state):
    seal_now(archive, state)
    with open(state["chain_path"]) as handle:
        lines = handle.readlines()
    with open(state["chain_path"], "w") as handle:
        handle.writelines(lines[1:])
    with pytest.raises(seal.SealError, match="is broken, so it is left as it is"):
        seal_now(archive, state)
    with open(state["chain_path"]) as handle:
        assert handle.readlines() == lines[1:]


def test_another_servers_key_and_a_rebuilt_chain_are_reported(archive, state):
    first = seal_now(archive, state)
    pinned = first["head"]
    other_key = seal.public_key_pem(seal.new_private_key()).decode("ascii")
    assert verify(archive, state, other_key)["chain"] == [
        "the signature of the chain's head is not valid for this server's public key"]
    for path in (state["chain_path"], state["head_path"]):
        os.remove(path)
    rebuilt = seal_now(archive, state, NOW + datetime.timedelta(hours=1))
    report = verify(archive, state, rebuilt["public_key"], pinned)
    assert report["chain"] == ["entry 3 differs from the one recorded before: the chain was rebuilt"]


def test_rotations_nobody_sealed_are_listed(archive, state):
    public_key = seal_now(archive, state)["public_key"]
    (pathlib.Path(archive) / "10.0.0.5" / "syslog.log-20261199.gz").write_bytes(gzip.compress(b"planted\n"))
    report = verify(archive, state, public_key)
    assert report["unsealed"] == ["10.0.0.5/syslog.log-20261199.gz"]
    assert no_tampering(report)


def test_published_copies_follow_the_chain_and_are_rewritten_only_when_they_differ(archive, state):
    publish_dir = os.path.join(archive, seal.PUBLISHED_DIR)
    first = seal.seal_archive(archive, now=NOW, retention_days=90, publish_dir=publish_dir, **state)
    assert "published the chain and its head in %s" % publish_dir in first["changes"]
    assert stat.S_IMODE(os.stat(publish_dir).st_mode) == 0o700
    for name, original in ((seal.PUBLISHED_CHAIN, state["chain_path"]), (seal.PUBLISHED_HEAD, state["head_path"])):
        assert pathlib.Path(publish_dir, name).read_bytes() == pathlib.Path(original).read_bytes()
        assert stat.S_IMODE(os.stat(os.path.join(publish_dir, name)).st_mode) == 0o600
    assert seal.seal_archive(archive, now=NOW, retention_days=90, publish_dir=publish_dir, **state)["changed"] is False
    assert seal.rotated_files(archive) == sorted(rotated(archive))


def test_check_mode_publishes_nothing(archive, state):
    publish_dir = os.path.join(archive, seal.PUBLISHED_DIR)
    result = seal.seal_archive(archive, now=NOW, retention_days=90, check_mode=True, publish_dir=publish_dir, **state)
    assert result["changed"] is True
    assert not os.path.exists(publish_dir)


def test_a_copied_chain_may_grow_but_not_be_rebuilt_or_cut(archive, state):
    kept = seal.extend([], archive, rotated(archive)[:2], SEALED_AT)
    grown = kept + seal.extend(kept, archive, rotated(archive), SEALED_AT)
    assert seal.successor_problems([], kept) == []
    assert seal.successor_problems(kept, kept) == []
    assert seal.successor_problems(kept, grown) == []
    assert seal.successor_problems(grown, kept) == [
        "the chain has 2 entries, fewer than the 3 recorded before: it was cut or rebuilt"]
    rebuilt = seal.extend([], archive, list(reversed(rotated(archive))), "2026-11-24T10:00:00Z")
    assert seal.successor_problems(grown, rebuilt) == [
        "entry 3 differs from the one recorded before: the chain was rebuilt"]
    altered = [dict(entry) for entry in grown]
    altered[0]["size"] += 1
    assert seal.successor_problems(kept, altered) == ["entry 1 (%s) was altered" % altered[0]["path"]]


def signed(entries, key):
    return seal.format_entries(entries), json.dumps(seal.sign_head(key, entries))


def forged_expiry(entries, path, when):
    """What root on the server can append: an expiry of a sealed file, linked and signable."""
    original = [entry for entry in entries if entry["path"] == path][0]
    return entries + [seal.make_entry(len(entries) + 1, "expired", path, original["size"], original["sha256"],
                                      when.strftime(seal.TIME_FORMAT), entries[-1]["hash"])]


@pytest.mark.parametrize("path", ["/etc/shadow", "../syslog.log-1.gz", "./syslog.log-1.gz", ".seal/syslog.log-1.gz",
                                  "10.0.0.5/../../etc/syslog.log-1.gz", "10.0.0.5/syslog.log", "10.0.0.5/x/syslog.log-1.gz"])
def test_a_chain_naming_anything_but_a_clients_rotation_is_refused_before_any_file_is_opened(path):
    line = seal.format_entries([seal.make_entry(1, "sealed", path, 1, "0" * 64, SEALED_AT, seal.GENESIS)])
    with pytest.raises(seal.SealError, match="chain line 1: path .* is no rotation in a client's directory"):
        seal.parse_chain(line)


@pytest.mark.parametrize("field, value, message", [
    ("seq", True, "seq and size must be counts"), ("size", -1, "seq and size must be counts"),
    ("event", "deleted", "event 'deleted' is none of sealed, expired"),
    ("sha256", "../" * 20, "SHA-256 digests in hex"), ("sealed_at", "yesterday", "is not a time like")])
def test_an_entry_the_sealer_cannot_have_written_is_refused(field, value, message):
    entry = seal.make_entry(1, "sealed", "10.0.0.5/syslog.log-1.gz", 1, "0" * 64, SEALED_AT, seal.GENESIS)
    entry[field] = value
    with pytest.raises(seal.SealError, match="chain line 1: .*" + message):
        seal.parse_chain(json.dumps(entry) + "\n")


def test_a_forged_expiry_that_hides_a_deleted_file_is_caught_with_the_controllers_retention(archive):
    key = seal.new_private_key()
    public_key = seal.public_key_pem(key).decode("ascii")
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    forged = forged_expiry(entries, entries[0]["path"], NOW + datetime.timedelta(days=2))
    verdict = seal.check_chain(*signed(forged, key), public_key, None, 90, NOW + datetime.timedelta(days=2))
    assert verdict["head"] is None
    assert verdict["problems"] == ["entry 4 expires %s 2.0 days after it was sealed, before the retention of 90 days: "
                                   "a file removed early, hidden" % entries[0]["path"]]
    due = forged_expiry(entries, entries[0]["path"], NOW + datetime.timedelta(days=89, hours=1))
    verdict = seal.check_chain(*signed(due, key), public_key, None, 90, NOW + datetime.timedelta(days=90))
    assert verdict["problems"] == [] and verdict["head"]["seq"] == 4 and verdict["head"]["signature"]


def test_an_expiry_of_a_file_never_sealed_or_expired_twice_is_caught(archive):
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    later = NOW + datetime.timedelta(days=100)
    twice = forged_expiry(forged_expiry(entries, entries[0]["path"], later), entries[0]["path"], later)
    assert seal.chain_problems(twice) == ["entry 5 expires %s a second time" % entries[0]["path"]]
    unsealed = "10.0.0.7/syslog.log-20261121.gz"
    never = entries + [seal.make_entry(4, "expired", unsealed, 1, "1" * 64, SEALED_AT, entries[-1]["hash"])]
    assert seal.chain_problems(never) == ["entry 4 expires %s, which the chain never sealed as such" % unsealed]
    other = entries + [seal.make_entry(4, "expired", entries[1]["path"], entries[1]["size"], "1" * 64, SEALED_AT,
                                       entries[-1]["hash"])]
    assert seal.chain_problems(other) == ["entry 4 expires %s, which the chain never sealed as such" % entries[1]["path"]]
    resealed = entries + [seal.make_entry(4, "sealed", entries[0]["path"], 1, "2" * 64, SEALED_AT, entries[-1]["hash"])]
    assert seal.chain_problems(resealed) == ["entry 4 seals %s a second time" % entries[0]["path"]]


def test_times_that_go_back_or_lie_ahead_are_caught(archive):
    entries = seal.extend([], archive, rotated(archive)[:1], "2026-11-23T10:00:00Z")
    entries += seal.extend(entries, archive, rotated(archive), "2026-11-22T10:00:00Z")
    assert "entry 2 (%s) is dated before the entry before it" % entries[1]["path"] in seal.chain_problems(entries)
    ahead = seal.extend([], archive, rotated(archive), "2026-11-24T10:00:00Z")
    assert seal.chain_problems(ahead, now=NOW)[0] == "entry 1 (%s) is dated 2026-11-24T10:00:00Z, in the future" % (
        ahead[0]["path"])
    assert seal.chain_problems(ahead, now=NOW + datetime.timedelta(days=1)) == []


def test_a_server_clock_set_back_still_dates_entries_forward(archive, state):
    seal_now(archive, state)
    (pathlib.Path(archive) / "10.0.0.5" / "syslog.log-20261122.gz").write_bytes(gzip.compress(b"third day\n"))
    added = seal_now(archive, state, NOW - datetime.timedelta(hours=3))["added"]
    assert [entry["sealed_at"] for entry in added] == [NOW.strftime(seal.TIME_FORMAT)]
    with open(state["chain_path"]) as handle:
        assert seal.chain_problems(seal.parse_chain(handle.read())) == []


def test_the_verdict_names_what_it_cannot_read_and_pins_only_a_clean_chain(archive):
    key = seal.new_private_key()
    public_key = seal.public_key_pem(key).decode("ascii")
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    chain, head = signed(entries, key)
    assert seal.check_chain("not json\n", head, public_key, None, 90, NOW) == {
        "problems": ["chain line 1 is not JSON"], "head": None, "entries": 0}
    assert seal.check_chain(chain, "[]", public_key, None, 90, NOW)["problems"] == [
        "the signed head is not {seq, hash, signature}"]
    clean = seal.check_chain(chain, head, public_key, None, 90, NOW)
    assert clean["problems"] == [] and clean["head"] == json.loads(head) and clean["entries"] == 3
    other = seal.public_key_pem(seal.new_private_key()).decode("ascii")
    assert seal.check_chain(chain, head, other, None, 90, NOW)["head"] is None
    rebuilt, rebuilt_head = signed(seal.extend([], archive, rotated(archive)[:2], SEALED_AT), key)
    assert seal.check_chain(rebuilt, rebuilt_head, public_key, clean["head"], 90, NOW)["problems"] == [
        "the chain has 2 entries, fewer than the 3 recorded before: it was cut or rebuilt"]


def test_expiries_judged_when_a_head_was_pinned_are_not_judged_again_under_a_raised_retention(archive):
    key = seal.new_private_key()
    public_key = seal.public_key_pem(key).decode("ascii")
    entries = seal.extend([], archive, rotated(archive), SEALED_AT)
    expired_at_30 = forged_expiry(entries, entries[0]["path"], NOW + datetime.timedelta(days=30))
    now = NOW + datetime.timedelta(days=31)
    pinned = seal.check_chain(*signed(expired_at_30, key), public_key, None, 30, now)["head"]
    assert pinned["seq"] == 4
    assert seal.check_chain(*signed(expired_at_30, key), public_key, pinned, 90, now)["problems"] == []
    later = forged_expiry(expired_at_30, entries[1]["path"], now)
    assert seal.check_chain(*signed(later, key), public_key, pinned, 90, now)["problems"] == [
        "entry 5 expires %s 31.0 days after it was sealed, before the retention of 90 days: a file removed early, hidden"
        % entries[1]["path"]]


def test_a_chain_pinned_before_these_rules_keeps_verifying_and_the_sealer_extends_it(archive, state):
    order = sorted(rotated(archive))
    entries = seal.extend([], archive, order[:1], "2026-11-23T10:00:00Z")
    entries += seal.extend(entries, archive, order[:2], "2026-11-23T09:00:00Z")
    assert seal.chain_problems(entries) == ["entry 2 (%s) is dated before the entry before it" % entries[1]["path"]]
    assert seal.chain_problems(entries, judged_up_to=2) == []
    with open(state["chain_path"], "w") as handle:
        handle.write(seal.format_entries(entries))
    added = seal_now(archive, state)["added"]
    assert [entry["path"] for entry in added] == order[2:]


@pytest.mark.parametrize("client", ["10.0.0.5\nx", "10.0.0.5\rx", "a b", "caf\u00e9"])
def test_a_client_directory_name_that_could_split_a_list_of_names_is_refused(client):
    line = seal.format_entries([seal.make_entry(1, "sealed", client + "/syslog.log-1.gz", 1, "0" * 64, SEALED_AT,
                                                seal.GENESIS)])
    with pytest.raises(seal.SealError, match="is no rotation in a client's directory"):
        seal.parse_chain(line)


def test_a_chain_nested_too_deep_for_the_json_parser_is_reported_not_raised():
    assert seal.check_chain("[" * 100000 + "\n", "{}", "", None, 90, NOW)["problems"] == ["chain line 1 is not JSON"]
    with pytest.raises(seal.SealError, match="the signed head is not JSON"):
        seal.parse_head("[" * 100000)


def test_a_copy_behind_the_head_verified_on_the_server_is_reported(archive):
    key = seal.new_private_key()
    public_key = seal.public_key_pem(key).decode("ascii")
    order = sorted(rotated(archive))
    server = seal.extend([], archive, order, SEALED_AT)
    server_head = seal.check_chain(*signed(server, key), public_key, None, 90, NOW)["head"]
    copy = server[:2]
    assert seal.check_chain(*signed(copy, key), public_key, None, 90, NOW, server_head)["problems"] == [
        "the copy has 2 entries, fewer than the 3 of the server's chain verified on the server: "
        "it has not taken what the server sealed since"]
    assert seal.check_chain(*signed(server, key), public_key, None, 90, NOW, server_head)["problems"] == []
    forked = server[:2] + seal.extend(server[:2], archive, [], SEALED_AT) + [
        seal.make_entry(3, "expired", order[0], server[0]["size"], server[0]["sha256"], SEALED_AT, server[1]["hash"])]
    assert "entry 3 differs from the one recorded before: the chain was rebuilt" in seal.check_chain(
        *signed(forked, key), public_key, None, 90, NOW, server_head)["problems"]
