import gzip

from ansible_collections.auditlog.fleet.plugins.module_utils import archive


def test_finds_strings_per_client_directory_including_rotated_files(tmp_path):
    (tmp_path / "10.0.0.5").mkdir()
    (tmp_path / "10.0.0.6").mkdir()
    (tmp_path / "10.0.0.5" / "syslog.log").write_bytes(b"<86>1 ... canary-a\n")
    with gzip.open(str(tmp_path / "10.0.0.6" / "syslog.log.1.gz"), "wb") as handle:
        handle.write(b"old canary-b\nnon utf-8 \xff\xfe\n")
    found = archive.find_strings(str(tmp_path), ["canary-a", "canary-b", "canary-c"])
    assert found == {"canary-a": ["10.0.0.5"], "canary-b": ["10.0.0.6"], "canary-c": []}


def test_waits_until_found_or_time_is_up(tmp_path):
    (tmp_path / "h").mkdir()
    ticks = iter(range(100))
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            (tmp_path / "h" / "syslog.log").write_text("late canary\n")

    found = archive.wait_for_strings(str(tmp_path), ["late canary"], timeout=10, clock=lambda: next(ticks), sleep=sleep)
    assert found == {"late canary": ["h"]} and len(sleeps) == 2

    ticks = iter(range(100))
    found = archive.wait_for_strings(str(tmp_path), ["never"], timeout=3, clock=lambda: next(ticks), sleep=lambda s: None)
    assert found == {"never": []}


def _append(path, data):
    with open(str(path), "ab") as handle:
        handle.write(data)


def test_watch_reads_only_what_is_written_after_the_positions(tmp_path):
    (tmp_path / "10.0.0.5").mkdir()
    current = tmp_path / "10.0.0.5" / "syslog.log"
    current.write_bytes(b"old canary\n")
    watch = archive.ArchiveWatch(str(tmp_path), archive.archive_positions(str(tmp_path)))
    assert list(watch.new_lines()) == []
    _append(current, b"new canary\nhalf a li")
    assert list(watch.new_lines()) == [("10.0.0.5", b"new canary")]
    _append(current, b"ne\n")
    (tmp_path / "10.0.0.6").mkdir()
    (tmp_path / "10.0.0.6" / "syslog.log").write_bytes(b"first from a new client\n")
    assert sorted(watch.new_lines()) == [("10.0.0.5", b"half a line"), ("10.0.0.6", b"first from a new client")]


def test_watch_follows_a_rotation_to_the_end_of_the_old_file(tmp_path):
    (tmp_path / "h").mkdir()
    current = tmp_path / "h" / "syslog.log"
    current.write_bytes(b"before the watch\n")
    watch = archive.ArchiveWatch(str(tmp_path), archive.archive_positions(str(tmp_path)))
    _append(current, b"read before the rotation\n")
    assert list(watch.new_lines()) == [("h", b"read before the rotation")]
    _append(current, b"written just before the rename\n")
    rotated = tmp_path / "h" / "syslog.log-20261123-000000"
    current.rename(rotated)
    _append(rotated, b"written before the HUP\n")
    current.write_bytes(b"in the new file\n")
    assert list(watch.new_lines()) == [
        ("h", b"written just before the rename"), ("h", b"written before the HUP"), ("h", b"in the new file")]


def test_watch_finds_the_rest_of_a_rotated_file_that_is_already_compressed(tmp_path):
    (tmp_path / "h").mkdir()
    current = tmp_path / "h" / "syslog.log"
    current.write_bytes(b"seen\n")
    watch = archive.ArchiveWatch(str(tmp_path), {str(current): [current.stat().st_ino, 0]})
    assert list(watch.new_lines()) == [("h", b"seen")]
    with gzip.open(str(tmp_path / "h" / "syslog.log-20261123-000000.gz"), "wb") as handle:
        handle.write(b"seen\nnot yet seen\n")
    current.unlink()
    assert list(watch.new_lines()) == [("h", b"not yet seen")]


def test_watch_for_strings_reports_when_each_was_first_seen(tmp_path):
    (tmp_path / "h").mkdir()
    current = tmp_path / "h" / "syslog.log"
    current.write_bytes(b"canary-a from before\n")
    positions = archive.archive_positions(str(tmp_path))
    wall = iter([100.0, 100.5, 101.0])

    def sleep(seconds):
        _append(current, b"canary-a\ncanary-b\n")

    first_seen = archive.watch_for_strings(
        str(tmp_path), ["canary-a", "canary-b"], positions, timeout=10,
        clock=iter(range(100)).__next__, now=lambda: next(wall), sleep=sleep)
    assert first_seen == {"canary-a": {"h": 100.5}, "canary-b": {"h": 100.5}}


def test_a_damaged_rotation_is_named_and_the_other_files_still_searched(tmp_path):
    client = tmp_path / "10.0.0.5"
    client.mkdir()
    damaged = bytearray(gzip.compress(b"first day, long enough to be damaged in the middle\n" * 20))
    damaged[30] ^= 0xFF
    (client / "syslog.log-20261120.gz").write_bytes(bytes(damaged))
    (client / "syslog.log").write_bytes(b"today's needle\n")
    unreadable = set()
    assert archive.find_strings(str(tmp_path), ["needle"], unreadable) == {"needle": ["10.0.0.5"]}
    assert [entry.split(" ")[0] for entry in unreadable] == ["10.0.0.5/syslog.log-20261120.gz"]
