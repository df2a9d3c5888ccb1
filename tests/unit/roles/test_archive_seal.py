import gzip
import json
import os
import subprocess
import sys

from conftest import FILES, install_with_library


def install(tmp_path):
    return str(install_with_library(tmp_path, os.path.join(FILES, "auditlog-archive-seal")) / "auditlog-archive-seal")


def run(script, root, state):
    return subprocess.run(
        [sys.executable, script, "--root", str(root), "--chain", str(state / "chain.jsonl"),
         "--head", str(state / "head.json"), "--key", str(state / "seal.key"), "--retention-days", "90"],
        capture_output=True, text=True, check=False, cwd="/", env={"PATH": os.environ["PATH"]})


def test_the_installed_sealer_seals_new_rotations_with_its_own_copy_of_the_code(tmp_path):
    script = install(tmp_path)
    root, state = tmp_path / "archive", tmp_path / "seal"
    (root / "10.0.0.5").mkdir(parents=True)
    state.mkdir()
    (root / "10.0.0.5" / "syslog.log-20261123-000000.gz").write_bytes(gzip.compress(b"rotated\n"))
    first = run(script, root, state)
    assert first.returncode == 0, first.stderr
    assert "sealed 1 and recorded 0 expired" in first.stdout
    chain = [json.loads(line) for line in (state / "chain.jsonl").read_text().splitlines()]
    assert [entry["path"] for entry in chain] == ["10.0.0.5/syslog.log-20261123-000000.gz"]
    assert json.loads((state / "head.json").read_text())["seq"] == 1
    assert run(script, root, state).stdout == ""


def test_the_sealer_leaves_a_broken_chain_and_says_so(tmp_path):
    script = install(tmp_path)
    root, state = tmp_path / "archive", tmp_path / "seal"
    root.mkdir()
    state.mkdir()
    (state / "chain.jsonl").write_text("not json\n")
    result = run(script, root, state)
    assert result.returncode == 1
    assert "auditlog-archive-seal: chain line 1 is not JSON" in result.stderr
    assert (state / "chain.jsonl").read_text() == "not json\n"
