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


def test_last_writes_skip_what_is_not_a_client(guard, tmp_path):
    for client in ["10.0.0.5", "10.0.0.6", "unauthenticated", "lost+found"]:
        (tmp_path / client).mkdir()
    (tmp_path / "10.0.0.5" / "syslog.log").write_text("x")
    (tmp_path / "10.0.0.5" / "syslog.log-20261120-000000.gz").write_text("x")
    os.utime(tmp_path / "10.0.0.5" / "syslog.log", (1000, 1000))
    os.utime(tmp_path / "10.0.0.5" / "syslog.log-20261120-000000.gz", (2000, 2000))
    (tmp_path / "unauthenticated" / "x").write_text("x")
    (tmp_path / "filler").write_text("x")
    assert guard.last_writes(str(tmp_path), {"unauthenticated", "lost+found"}) == {"10.0.0.5": 2000}


def test_metrics_parse_as_prometheus_text(guard):
    text = guard.render(1000, 40, False, True, 5, {"10.0.0.5": 2000.5, 'odd"name': 1}, 1826936091)
    values = dict(((s.name, tuple(sorted(s.labels.items()))), s.value)
                  for family in text_string_to_metric_families(text) for s in family.samples)
    assert values[("auditlog_archive_available_bytes", ())] == 40
    assert values[("auditlog_archive_close_below_ratio", ())] == 0.05
    assert values[("auditlog_archive_receiving", ())] == 0
    assert values[("auditlog_archive_closed_for_space", ())] == 1
    assert values[("auditlog_archive_client_last_write_timestamp_seconds", (("client", "10.0.0.5"),))] == 2000.5
    assert values[("auditlog_archive_client_last_write_timestamp_seconds", (("client", 'odd"name'),))] == 1
    assert values[("auditlog_certificate_not_after_timestamp_seconds", (("usage", "server"),))] == 1826936091


class FakeSystemctl(object):
    def __init__(self, active):
        self.active = active
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        if args[0] == "is-active":
            rc = 0 if self.active else 3
        else:
            self.active = args[0] == "start"
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
