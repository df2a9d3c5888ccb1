import json
import os
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families


@pytest.mark.parametrize("free, receiving, closed, expected", [
    (50.0, True, False, None),
    (4.9, True, False, "close"),
    (4.9, False, True, None),      # already closed
    (4.9, False, False, None),     # stopped by someone else: nothing to stop
    (7.0, False, True, None),      # room, but not yet enough to open again
    (10.0, False, True, "open"),
    (50.0, False, False, None),    # an operator stopped it: the guard does not start it
    (50.0, True, True, None),
])
def test_decide(guard, free, receiving, closed, expected):
    assert guard.decide(free, receiving, closed, close_below=5, open_at=10) == expected


def test_parse_not_after(guard):
    assert guard.parse_not_after("notAfter=Nov 23 02:14:51 2027 GMT\n") == 1826936091
    assert guard.parse_not_after("notAfter=Feb  3 00:00:00 2030 GMT") == 1896307200


def test_certificate_expiry_is_read_with_openssl(guard, tmp_path):
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", "/CN=t", "-days", "2"],
                   check=True, capture_output=True)
    assert 86400 < guard.certificate_not_after(str(cert)) - time.time() <= 2 * 86400


def test_client_usage_skips_what_is_not_a_client(guard, tmp_path):
    for client in ["10.0.0.5", "10.0.0.6", "unauthenticated", "lost+found", ".seal"]:
        (tmp_path / client).mkdir()
    (tmp_path / "10.0.0.5" / "syslog.log").write_text("x")
    (tmp_path / "10.0.0.5" / "syslog.log-20261120-000000.gz").write_text("x")
    os.utime(tmp_path / "10.0.0.5" / "syslog.log", (1000, 1000))
    os.utime(tmp_path / "10.0.0.5" / "syslog.log-20261120-000000.gz", (2000, 2000))
    (tmp_path / "unauthenticated" / "x").write_text("x")
    (tmp_path / "filler").write_text("x")
    usage = guard.client_usage(str(tmp_path), {"unauthenticated", "lost+found"})
    assert sorted(usage) == ["10.0.0.5", "10.0.0.6"]
    assert usage["10.0.0.5"][1] == 2000 and usage["10.0.0.5"][0] > 0
    assert usage["10.0.0.6"] == (0, None)


def test_tree_usage_counts_nested_files_and_follows_no_link(guard, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big").write_bytes(b"x" * 1_000_000)
    client = tmp_path / "client"
    (client / "deeper").mkdir(parents=True)
    (client / "deeper" / "f").write_bytes(b"y" * 10_000)
    (client / "link-to-file").symlink_to(outside / "big")
    (client / "link-to-dir").symlink_to(outside)
    used, newest = guard.tree_usage(str(client))
    assert 10_000 <= used < 100_000
    assert newest == os.stat(client / "deeper" / "f").st_mtime


@pytest.mark.parametrize("used, was_over, expected", [
    ({"a": 99, "b": 100}, set(), ["b"]),
    ({"a": 95}, {"a"}, ["a"]),          # not yet back under 90 % of its share
    ({"a": 89}, {"a"}, []),
    ({"a": 95}, set(), []),
])
def test_over_quota_lets_a_source_back_in_well_under_its_share(guard, used, was_over, expected):
    assert guard.over_quota(used, dict.fromkeys(used, 100), was_over) == expected


def test_the_quota_table_is_an_rsyslog_lookup_table_the_guard_reads_back(guard, tmp_path):
    text = guard.quota_table(["web1", "/unauthenticated"])
    table = json.loads(text)
    assert table["version"] == 1 and table["type"] == "string" and table["nomatch"] == ""
    assert table["table"] == [{"index": "/unauthenticated", "value": "over"}, {"index": "web1", "value": "over"}]
    path = tmp_path / "t.json"
    path.write_text(text)
    assert guard.read_quota_table(str(path)) == ["/unauthenticated", "web1"]
    for broken in ["", "{", '{"table": 3}', '{"table": [{"index": "a"}]}']:
        path.write_text(broken)
        assert guard.read_quota_table(str(path)) is None
    assert guard.read_quota_table(str(tmp_path / "missing.json")) is None


def test_metrics_parse_as_prometheus_text(guard):
    clients = {"10.0.0.5": (4096, 2000.5), 'odd"name': (0, 1), "new": (0, None)}
    quota = {"bytes": 100.0, "over": {"10.0.0.5", "/u"}, "unauthenticated": ("/u", 300, 50.0)}
    text = guard.render(1000, 40, False, True, 5, clients, 1826936091, quota)
    values = dict(((s.name, tuple(sorted(s.labels.items()))), s.value)
                  for family in text_string_to_metric_families(text) for s in family.samples)
    assert values[("auditlog_archive_available_bytes", ())] == 40
    assert values[("auditlog_archive_close_below_ratio", ())] == 0.05
    assert values[("auditlog_archive_receiving", ())] == 0
    assert values[("auditlog_archive_closed_for_space", ())] == 1
    assert values[("auditlog_archive_client_last_write_timestamp_seconds", (("client", "10.0.0.5"),))] == 2000.5
    assert values[("auditlog_archive_client_last_write_timestamp_seconds", (("client", 'odd"name'),))] == 1
    assert ("auditlog_archive_client_last_write_timestamp_seconds", (("client", "new"),)) not in values
    assert values[("auditlog_archive_client_bytes", (("client", "10.0.0.5"),))] == 4096
    assert values[("auditlog_archive_client_quota_bytes", ())] == 100
    assert values[("auditlog_archive_client_over_quota", (("client", "10.0.0.5"),))] == 1
    assert values[("auditlog_archive_client_over_quota", (("client", "new"),))] == 0
    assert values[("auditlog_archive_unauthenticated_bytes", ())] == 300
    assert values[("auditlog_archive_unauthenticated_quota_bytes", ())] == 50
    assert values[("auditlog_archive_unauthenticated_over_quota", ())] == 1
    assert values[("auditlog_certificate_not_after_timestamp_seconds", (("usage", "server"),))] == 1826936091


def test_metrics_without_shares_name_no_quota(guard):
    text = guard.render(1000, 40, True, False, 5, {"a": (1, 2)}, None)
    assert "quota" not in text


class FakeSystemctl(object):
    def __init__(self, active):
        self.active = active
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        if args[0] == "is-active":
            rc = 0 if self.active else 3
        elif args[0] in ("start", "stop"):
            self.active = args[0] == "start"
            rc = 0
        else:
            rc = 0
        return subprocess.CompletedProcess(args, rc, "", "")


def run_guard(guard, monkeypatch, tmp_path, free_bytes, systemctl):
    monkeypatch.setattr(guard, "volume", lambda root: (1000, free_bytes))
    monkeypatch.setattr(guard, "systemctl", systemctl)
    monkeypatch.setattr(guard.syslog, "syslog", lambda *args: None)
    return guard.main(["--root", str(tmp_path), "--unit", "auditlog-receiver.service", "--close-below", "5",
                       "--open-at", "10", "--state", str(tmp_path / "run" / "closed"),
                       "--metrics", str(tmp_path / "archive.prom")])


def test_a_nearly_full_volume_stops_the_receiver_and_room_starts_it_again(guard, monkeypatch, tmp_path):
    systemctl = FakeSystemctl(active=True)
    assert run_guard(guard, monkeypatch, tmp_path, 30, systemctl) == 0
    assert ("stop", "auditlog-receiver.service") in systemctl.calls and not systemctl.active
    assert (tmp_path / "run" / "closed").exists()
    assert "auditlog_archive_closed_for_space 1" in (tmp_path / "archive.prom").read_text()

    assert run_guard(guard, monkeypatch, tmp_path, 80, systemctl) == 0
    assert not systemctl.active

    assert run_guard(guard, monkeypatch, tmp_path, 100, systemctl) == 0
    assert systemctl.active and not (tmp_path / "run" / "closed").exists()
    assert "auditlog_archive_receiving 1" in (tmp_path / "archive.prom").read_text()


def test_a_receiver_stopped_by_an_operator_stays_stopped(guard, monkeypatch, tmp_path):
    systemctl = FakeSystemctl(active=False)
    assert run_guard(guard, monkeypatch, tmp_path, 900, systemctl) == 0
    assert systemctl.calls == [("is-active", "--quiet", "auditlog-receiver.service")]


def test_thresholds_must_leave_a_gap(guard, tmp_path):
    with pytest.raises(SystemExit):
        guard.main(["--root", str(tmp_path), "--unit", "u", "--close-below", "10", "--open-at", "10",
                    "--state", str(tmp_path / "s")])


def run_guard_with_shares(guard, monkeypatch, tmp_path, systemctl, size=1000, free_bytes=900):
    monkeypatch.setattr(guard, "volume", lambda root: (size, free_bytes))
    monkeypatch.setattr(guard, "systemctl", systemctl)
    said = []
    monkeypatch.setattr(guard.syslog, "syslog", lambda priority, text: said.append(text))
    root = tmp_path / "archive"
    root.mkdir(exist_ok=True)
    status = guard.main(["--root", str(root), "--unit", "auditlog-receiver.service", "--close-below", "5",
                         "--open-at", "10", "--state", str(tmp_path / "run" / "closed"),
                         "--metrics", str(tmp_path / "archive.prom"), "--quota-table", str(tmp_path / "over.json"),
                         "--client-quota", "10", "--skip", "unauthenticated", "--unauthenticated", "unauthenticated",
                         "--unauthenticated-key", "/unauthenticated", "--unauthenticated-quota", "20"])
    return status, said


def usage_of(bytes_by_directory):
    """A stand-in for tree_usage: so many bytes in each directory, written at 1 s."""
    return lambda top: (bytes_by_directory[os.path.basename(top)], 1.0)


def test_a_client_over_its_share_is_listed_and_the_receiver_told_until_it_is_under_again(guard, monkeypatch, tmp_path):
    monkeypatch.setattr(guard, "tree_usage", usage_of({"flood": 150, "quiet": 50, "unauthenticated": 10}))
    for name in ["flood", "quiet", "unauthenticated"]:
        (tmp_path / "archive" / name).mkdir(parents=True)
    hup = ("kill", "--signal=SIGHUP", "--kill-whom=main", "auditlog-receiver.service")
    systemctl = FakeSystemctl(active=True)
    status, said = run_guard_with_shares(guard, monkeypatch, tmp_path, systemctl)
    assert status == 0
    assert guard.read_quota_table(str(tmp_path / "over.json")) == ["flood"]
    assert oct(os.stat(tmp_path / "over.json").st_mode & 0o777) == "0o600"
    assert systemctl.calls.count(hup) == 1
    assert any(text.startswith("flood takes 150 bytes") for text in said)
    assert 'auditlog_archive_client_over_quota{client="flood"} 1' in (tmp_path / "archive.prom").read_text()

    systemctl.calls.clear()
    run_guard_with_shares(guard, monkeypatch, tmp_path, systemctl)
    assert hup not in systemctl.calls   # nothing changed: no HUP

    monkeypatch.setattr(guard, "tree_usage", usage_of({"flood": 80, "quiet": 50, "unauthenticated": 250}))
    status, said = run_guard_with_shares(guard, monkeypatch, tmp_path, systemctl)
    assert guard.read_quota_table(str(tmp_path / "over.json")) == ["/unauthenticated"]
    assert systemctl.calls.count(hup) == 1
    assert any(text.startswith("flood is under its share") for text in said)
    metrics = (tmp_path / "archive.prom").read_text()
    assert "auditlog_archive_unauthenticated_over_quota 1" in metrics
    assert 'auditlog_archive_client_over_quota{client="flood"} 0' in metrics


def test_a_stopped_receiver_gets_no_hup_and_starts_with_the_new_table(guard, monkeypatch, tmp_path):
    monkeypatch.setattr(guard, "tree_usage", lambda top: (150, 1.0))
    (tmp_path / "archive" / "flood").mkdir(parents=True)
    systemctl = FakeSystemctl(active=False)
    run_guard_with_shares(guard, monkeypatch, tmp_path, systemctl)
    assert guard.read_quota_table(str(tmp_path / "over.json")) == ["flood"]
    assert [call[0] for call in systemctl.calls] == ["is-active"]


def test_shares_must_be_percentages(guard, tmp_path):
    for share in ["0", "101"]:
        with pytest.raises(SystemExit):
            guard.main(["--root", str(tmp_path), "--unit", "u", "--close-below", "5", "--open-at", "10",
                        "--state", str(tmp_path / "s"), "--quota-table", str(tmp_path / "t"), "--client-quota", share])
