import io

from prometheus_client.parser import text_string_to_metric_families

LINES = [
    '{ "name": "auditlog_archive", "origin": "core.action", "processed": 12, "failed": 1,'
    ' "suspended": 0, "suspended.duration": 0, "resumed": 0 }',
    '{ "name": "auditlog_remote", "origin": "core.queue", "size": 3, "enqueued": 15, "full": 0,'
    ' "discarded.full": 0, "discarded.nf": 0, "maxqsize": 7 }',
    '{ "name": "auditlog_tls", "origin": "imtcp", "submitted": 15 }',
    '{ "name": "resource-usage", "origin": "impstats", "utime": 1000, "maxrss": 5120, "openfiles": 9 }',
]


def samples(text):
    return dict(((sample.name, sample.labels["name"]), sample.value)
                for family in text_string_to_metric_families(text) for sample in family.samples)


def test_counters_and_gauges_parse_as_prometheus_text(exporter):
    metrics = exporter.Metrics("receiver")
    for line in LINES:
        assert metrics.update(line)
    text = metrics.render()
    values = samples(text)
    assert values[("rsyslog_action_processed_total", "auditlog_archive")] == 12
    assert values[("rsyslog_action_failed_total", "auditlog_archive")] == 1
    assert values[("rsyslog_queue_size", "auditlog_remote")] == 3
    assert values[("rsyslog_queue_discarded_full_total", "auditlog_remote")] == 0
    assert values[("rsyslog_input_submitted_total", "auditlog_tls")] == 15
    assert values[("rsyslog_resource_maxrss", "resource-usage")] == 5120
    assert '# TYPE rsyslog_queue_size gauge' in text
    assert '# TYPE rsyslog_action_processed_total counter' in text
    assert 'rsyslog="receiver"' in text


def test_a_later_line_replaces_the_earlier_values(exporter):
    metrics = exporter.Metrics("receiver")
    metrics.update(LINES[2])
    metrics.update(LINES[2].replace("15", "20"))
    assert samples(metrics.render())[("rsyslog_input_submitted_total", "auditlog_tls")] == 20


def test_lines_that_are_not_impstats_objects_are_skipped(exporter):
    metrics = exporter.Metrics("receiver")
    for line in ["not json", "[1, 2]", '{"name": "x", "origin": "dynstats", "a": 1}', '{"origin": "imtcp"}']:
        assert not metrics.update(line)
    assert metrics.render() == "\n"


def test_label_values_are_escaped(exporter):
    metrics = exporter.Metrics('odd "name"')
    metrics.update('{ "name": "a\\\\b\\"c", "origin": "imtcp", "submitted": 1 }')
    family = list(text_string_to_metric_families(metrics.render()))[0]
    assert family.samples[0].labels == {"rsyslog": 'odd "name"', "name": 'a\\b"c'}


def test_the_file_is_rewritten_after_every_line(exporter, tmp_path, monkeypatch):
    output = tmp_path / "auditlog_receiver.prom"
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(LINES[:2]) + "\n"))
    assert exporter.main(["--output", str(output), "--rsyslog", "receiver"]) == 0
    assert ("rsyslog_queue_size", "auditlog_remote") in samples(output.read_text())
    assert oct(output.stat().st_mode & 0o777) == "0o644"
    assert [path.name for path in tmp_path.iterdir()] == ["auditlog_receiver.prom"]


def test_disk_queue_bytes_are_summed_per_queue_file(exporter, tmp_path):
    (tmp_path / "auditlog_server1.00000001").write_bytes(b"x" * 100)
    (tmp_path / "auditlog_server1.00000002").write_bytes(b"x" * 50)
    (tmp_path / "auditlog_server1.qi").write_bytes(b"x" * 10)
    (tmp_path / "auditlog_server2.00000001").write_bytes(b"x" * 7)
    metrics = exporter.Metrics("client", str(tmp_path))
    values = samples(metrics.render())
    assert values[("rsyslog_queue_disk_bytes", "auditlog_server1")] == 160
    assert values[("rsyslog_queue_disk_bytes", "auditlog_server2")] == 7
