import json
import os
import time

import pytest

METRICS = """# HELP rsyslog_queue_size Messages in the queue now.
# TYPE rsyslog_queue_size gauge
rsyslog_queue_size{rsyslog="client",name="auditlog_to_logs1.example.org queue"} %d
rsyslog_queue_size{rsyslog="client",name="auditlog_to_logs1.example.org queue[DA]"} %d
rsyslog_queue_size{rsyslog="client",name="auditlog_to_logs2.example.org queue"} 0
rsyslog_queue_size{rsyslog="client",name="main Q"} 3
rsyslog_queue_maxqsize{rsyslog="client",name="auditlog_to_logs1.example.org queue[DA]"} 5000
"""


def test_queue_sizes_by_server(queue_guard):
    sizes = queue_guard.queue_sizes(METRICS % (2, 380))
    assert sizes == {"logs1.example.org": [2, 380], "logs2.example.org": [0, 0]}


def test_only_an_idle_memory_queue_with_messages_on_disk_is_watched(queue_guard):
    history = queue_guard.observe({}, {"a": [0, 10], "b": [5, 10], "c": [0, 0]}, 3)
    assert history == {"a": [10]}


def test_stuck_after_the_same_disk_size_three_times(queue_guard):
    history = {}
    for expected in ([], [], ["a"]):
        history = queue_guard.observe(history, {"a": [0, 380]}, 3)
        assert queue_guard.stuck(history, 3) == expected


def test_a_draining_queue_is_not_stuck(queue_guard):
    history = {}
    for disk in (900, 600, 300, 300):
        history = queue_guard.observe(history, {"a": [0, disk]}, 3)
    assert queue_guard.stuck(history, 3) == []
    history = queue_guard.observe(history, {"a": [0, 300]}, 3)
    assert queue_guard.stuck(history, 3) == ["a"]


def test_a_busy_moment_starts_the_count_again(queue_guard):
    history = {}
    for sizes in ({"a": [0, 50]}, {"a": [0, 50]}, {"a": [7, 50]}, {"a": [0, 50]}):
        history = queue_guard.observe(history, sizes, 3)
    assert queue_guard.stuck(history, 3) == []


class Run(object):
    def __init__(self, queue_guard, tmp_path, monkeypatch, up=True):
        self.guard, self.tmp_path = queue_guard, tmp_path
        self.restarts = []
        monkeypatch.setattr(queue_guard, "reachable", lambda server, port, timeout=3: up)
        monkeypatch.setattr(queue_guard.subprocess, "call", self.restarts.append)
        monkeypatch.setattr(queue_guard.syslog, "syslog", lambda *args: None)

    def __call__(self, memory, disk, age=0):
        metrics = self.tmp_path / "client.prom"
        metrics.write_text(METRICS % (memory, disk))
        os.utime(metrics, (time.time() - age, time.time() - age))
        return self.guard.main(["--metrics", str(metrics), "--state", str(self.tmp_path / "state.json"),
                                "--output", str(self.tmp_path / "guard.prom"),
                                "--server", "logs1.example.org:6514", "--server", "logs2.example.org:6514"])

    @property
    def counted(self):
        return (self.tmp_path / "guard.prom").read_text().splitlines()[-1]


def test_restarts_rsyslog_once_for_a_stuck_queue_of_a_server_that_is_up(queue_guard, tmp_path, monkeypatch):
    run = Run(queue_guard, tmp_path, monkeypatch)
    for dummy in range(3):
        run(0, 380)
    assert run.restarts == [["systemctl", "try-restart", "rsyslog.service"]]
    assert run.counted == "auditlog_client_queue_guard_restarts_total 1"
    for dummy in range(3):
        run(0, 380)
    assert len(run.restarts) == 1, "at most one restart within --min-interval"
    assert json.loads((tmp_path / "state.json").read_text())["restarts"] == 1
    assert oct(os.stat(tmp_path / "state.json").st_mode & 0o777) == "0o600"


def test_never_restarts_for_a_server_that_is_down(queue_guard, tmp_path, monkeypatch):
    run = Run(queue_guard, tmp_path, monkeypatch, up=False)
    for dummy in range(5):
        run(0, 380)
    assert run.restarts == []
    assert run.counted == "auditlog_client_queue_guard_restarts_total 0"


def test_ignores_a_stale_metrics_file(queue_guard, tmp_path, monkeypatch):
    run = Run(queue_guard, tmp_path, monkeypatch)
    for dummy in range(5):
        run(0, 380, age=600)
    assert run.restarts == []
    run(0, 380)
    assert run.restarts == [], "the stale reports did not count towards the three"


def untrusted(kind, tmp_path):
    """A metrics file the guard must not read, made the way another user could."""
    path = tmp_path / ("client-%s.prom" % kind)
    genuine = tmp_path / "genuine.prom"
    genuine.write_text(METRICS % (0, 380))
    if kind == "link":
        path.symlink_to(genuine)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "other owner":
        path.write_text(METRICS % (0, 380))
        os.chown(path, 65534, 65534)
    elif kind == "group-writable":
        path.write_text(METRICS % (0, 380))
        os.chmod(path, 0o664)
    elif kind == "huge":
        path.write_text(METRICS % (0, 380) + "#" * (1024 * 1024))
    return path


@pytest.mark.parametrize("kind", ["link", "fifo", "other owner", "group-writable", "huge"])
def test_a_metrics_file_the_guard_cannot_trust_is_not_read(queue_guard, tmp_path, kind):
    assert queue_guard.read_metrics(str(untrusted(kind, tmp_path)), 300, time.time()) is None


def test_roots_own_fresh_metrics_file_is_read(queue_guard, tmp_path):
    path = tmp_path / "client.prom"
    path.write_text(METRICS % (0, 380))
    os.chmod(path, 0o644)
    assert queue_guard.queue_sizes(queue_guard.read_metrics(str(path), 300, time.time())) == {
        "logs1.example.org": [0, 380], "logs2.example.org": [0, 0]}
