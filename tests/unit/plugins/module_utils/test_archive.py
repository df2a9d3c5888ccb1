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
