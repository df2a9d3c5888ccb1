import datetime
import gzip

import pytest

from ansible_collections.auditlog.fleet.plugins.module_utils import search

UTC = datetime.timezone.utc


def line(time, text, host="c1"):
    return "<86>1 %s %s sshd 812 - - %s" % (time, host, text)


@pytest.fixture
def archive(tmp_path):
    client = tmp_path / "10.0.0.5"
    client.mkdir()
    with gzip.open(str(client / "syslog.log-20261120-000001.gz"), "wt") as handle:
        handle.write(line("2026-11-19T10:00:00+00:00", "old login alice") + "\n")
    with gzip.open(str(client / "syslog.log-20261122-000001.gz"), "wt") as handle:
        handle.write(line("2026-11-21T10:00:00+00:00", "login bob") + "\n")
    (client / "syslog.log").write_text(
        line("2026-11-22T10:00:00.5+00:00", "login carol") + "\n" + line("2026-11-22T11:00:00+01:00", "logout carol") + "\n")
    other = tmp_path / "10.0.0.6"
    other.mkdir()
    (other / "syslog.log").write_text(line("2026-11-22T09:00:00+00:00", "login dave", "c2") + "\n" + "garbage without time\n")
    (tmp_path / "lost+found").mkdir()
    (tmp_path / ".seal").mkdir()
    (tmp_path / "filler").write_text("not a client")
    return tmp_path


def test_only_client_directories_are_clients(archive):
    assert search.clients_in(str(archive)) == ["10.0.0.5", "10.0.0.6"]


def texts(records):
    return [record["line"].split(" - - ", 1)[1] for record in records]


def test_a_pattern_over_every_client_and_file(archive):
    records, truncated = search.search(str(archive), "login")
    assert texts(records) == ["old login alice", "login bob", "login carol", "login dave"]
    assert not truncated
    assert records[2] == {"client": "10.0.0.5", "time": "2026-11-22T10:00:00.500000+00:00",
                          "line": line("2026-11-22T10:00:00.5+00:00", "login carol")}


def test_a_time_range_skips_older_rotations_and_compares_zones(archive):
    since = search.parse_time("2026-11-21T00:00:00Z")
    before = search.parse_time("2026-11-22T10:00:00+00:00")
    records = search.search(str(archive), None, since, before)[0]
    # 11:00+01:00 is 10:00 UTC, the end, which is not included; the line without time neither.
    assert texts(records) == ["login bob", "login dave"]


def test_rotated_files_before_the_range_are_not_even_read(archive):
    (archive / "10.0.0.5" / "syslog.log-20261120-000001.gz").write_bytes(b"not gzip")
    records = search.search(str(archive), None, search.parse_time("2026-11-21T00:00:00"))[0]
    assert "login bob" in texts(records)
    with pytest.raises(OSError):
        search.search(str(archive), None, None)


def test_clients_and_limit(archive):
    records, truncated = search.search(str(archive), "login", clients=["10.0.0.6"])
    assert texts(records) == ["login dave"]
    records, truncated = search.search(str(archive), "login", limit=2)
    assert len(records) == 2 and truncated


@pytest.mark.parametrize("kwargs, message", [
    ({"pattern": "("}, "not a regular expression"),
    ({"clients": ["10.9.9.9"]}, "no such client directory"),
    ({"since": search.parse_time("2026-11-23"), "before": search.parse_time("2026-11-22")}, "must come after"),
])
def test_bad_requests_are_refused(archive, kwargs, message):
    with pytest.raises(search.SearchError, match=message):
        search.search(str(archive), **kwargs)


def test_a_bad_time_is_refused():
    with pytest.raises(search.SearchError, match="RFC 3339"):
        search.parse_time("yesterday")


def record(text, time="2026-11-22T10:00:00+00:00", client="10.0.0.5"):
    return {"client": client, "time": time, "line": line(time, text)}


def test_merge_counts_a_repeated_line_once_and_orders_by_time():
    found = {
        "s2": [record("b", "2026-11-22T11:00:00+00:00"), record("a"), record("a")],
        "s1": [record("a"), record("c", "2026-11-22T12:00:00+00:00")],
    }
    merged = search.merge(found)
    assert [(texts([entry])[0], entry["servers"]) for entry in merged] == [
        ("a", ["s1", "s2"]), ("b", ["s2"]), ("c", ["s1"])]


def test_differences_name_the_servers_that_lack_a_line():
    found = {"s1": [record("a"), record("c")], "s2": [record("a"), record("b")], "s3": [record("a"), record("b")]}
    differences = search.differences(found)
    assert [(texts([entry])[0], entry["missing_on"]) for entry in differences] == [("b", ["s1"]), ("c", ["s2", "s3"])]
    assert search.differences({"s1": [record("a")], "s2": [record("a")]}) == []


def test_times_are_reported_in_utc_so_they_sort(archive):
    records = search.search(str(archive), "logout")[0]
    assert records[0]["time"] == "2026-11-22T10:00:00+00:00"
