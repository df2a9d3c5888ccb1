# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup host's pull, run as installed, with rsync between local directories."""

import gzip
import os
import stat
import subprocess
import sys

from conftest import FILES, ROLES, install_with_library

CLIENT = "10.0.0.5"


def install(tmp_path):
    """The sealer and the pull, laid out as the roles install them."""
    return install_with_library(tmp_path, os.path.join(FILES, "auditlog-archive-seal"),
                                os.path.join(ROLES, "syslog_offsite", "files", "auditlog-offsite-pull"))


def run(*argv):
    return subprocess.run([sys.executable] + [str(arg) for arg in argv], capture_output=True, text=True, check=False,
                          cwd="/", env={"PATH": os.environ["PATH"]})


class Lab:
    def __init__(self, tmp_path):
        self.libexec = install(tmp_path)
        self.archive = tmp_path / "archive"
        self.state = tmp_path / "seal"
        self.backup = tmp_path / "backup"
        for directory in (self.archive / CLIENT, self.state, self.backup):
            directory.mkdir(parents=True)
        (self.archive / CLIENT / "syslog.log").write_text("being written\n")

    def rotate(self, stamp, text):
        (self.archive / CLIENT / ("syslog.log-%s.gz" % stamp)).write_bytes(gzip.compress(text))

    def seal(self):
        result = run(self.libexec / "auditlog-archive-seal", "--root", self.archive,
                     "--chain", self.state / "chain.jsonl", "--head", self.state / "head.json",
                     "--key", self.state / "seal.key", "--retention-days", "90", "--publish", self.archive / ".seal")
        assert result.returncode == 0, result.stderr

    def pull(self):
        return run(self.libexec / "auditlog-offsite-pull", "--dest", self.backup,
                   "--source", "server1=%s/" % self.archive)

    def copy(self, relative):
        return self.backup / "server1" / relative


def test_sealed_rotations_and_the_chain_are_copied_and_the_current_file_is_not(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    result = lab.pull()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "auditlog-offsite-pull: server1: copied\n"
    copied = lab.copy(CLIENT + "/syslog.log-20261122-000000.gz")
    assert gzip.decompress(copied.read_bytes()) == b"first\n"
    assert stat.S_IMODE(copied.stat().st_mode) == 0o440
    assert not lab.copy(CLIENT + "/syslog.log").exists()
    assert lab.copy(".seal/chain.jsonl").read_bytes() == (lab.state / "chain.jsonl").read_bytes()
    assert lab.copy(".seal/head.json").read_bytes() == (lab.state / "head.json").read_bytes()
    assert sorted(os.listdir(lab.backup)) == ["server1"]


def test_a_copy_stays_as_it_was_when_the_server_changes_the_file_later(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    assert lab.pull().returncode == 0
    lab.rotate("20261122-000000", b"rewritten by an intruder\n")
    lab.rotate("20261123-000000", b"second\n")
    lab.seal()
    result = lab.pull()
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(lab.copy(CLIENT + "/syslog.log-20261122-000000.gz").read_bytes()) == b"first\n"
    assert gzip.decompress(lab.copy(CLIENT + "/syslog.log-20261123-000000.gz").read_bytes()) == b"second\n"
    assert lab.copy(".seal/chain.jsonl").read_bytes() == (lab.state / "chain.jsonl").read_bytes()


def test_a_rebuilt_chain_is_set_aside_and_the_kept_one_stays(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.rotate("20261123-000000", b"second\n")
    lab.seal()
    assert lab.pull().returncode == 0
    kept = lab.copy(".seal/chain.jsonl").read_bytes()
    os.remove(lab.archive / CLIENT / "syslog.log-20261122-000000.gz")
    os.remove(lab.state / "chain.jsonl")
    os.remove(lab.state / "head.json")
    lab.seal()
    result = lab.pull()
    assert result.returncode == 1
    assert "server1: its chain was set aside, not taken: the chain has 1 entries, fewer than the 2" in result.stderr
    assert lab.copy(".seal/chain.jsonl").read_bytes() == kept
    rejected = [name for name in os.listdir(lab.copy(".seal")) if name.startswith("rejected-")]
    assert len(rejected) == 1
    assert lab.copy(".seal/" + rejected[0]).read_bytes() == (lab.state / "chain.jsonl").read_bytes()
    assert lab.copy(CLIENT + "/syslog.log-20261122-000000.gz").exists()


def test_an_unreachable_server_is_reported_and_the_others_still_copied(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    result = run(lab.libexec / "auditlog-offsite-pull", "--dest", lab.backup,
                 "--source", "gone=%s/" % (tmp_path / "nowhere"), "--source", "server1=%s/" % lab.archive)
    assert result.returncode == 1
    assert "auditlog-offsite-pull: gone: could not copy its chain (rsync exit 23)" in result.stderr
    assert result.stdout == "auditlog-offsite-pull: server1: copied\n"


def test_a_source_name_that_is_not_a_plain_directory_name_is_refused(tmp_path):
    lab = Lab(tmp_path)
    for spec in ("../x=/tmp/", ".seal=/tmp/", "noequals"):
        result = run(lab.libexec / "auditlog-offsite-pull", "--dest", lab.backup, "--source", spec)
        assert result.returncode == 2
        assert "--source must be NAME=SOURCE" in result.stderr


def test_only_what_the_chain_sealed_is_copied(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    lab.rotate("20261123-000000", b"planted after the sealing\n")
    (lab.archive / ".hidden").mkdir()
    (lab.archive / ".hidden" / "syslog.log-20261122-000000.gz").write_bytes(gzip.compress(b"not a client\n"))
    result = lab.pull()
    assert result.returncode == 0, result.stderr
    assert lab.copy(CLIENT + "/syslog.log-20261122-000000.gz").exists()
    assert not lab.copy(CLIENT + "/syslog.log-20261123-000000.gz").exists()
    assert not lab.copy(".hidden").exists()
    lab.seal()
    assert lab.pull().returncode == 0
    assert gzip.decompress(lab.copy(CLIENT + "/syslog.log-20261123-000000.gz").read_bytes()) == b"planted after the sealing\n"


def test_a_sealed_file_gone_from_the_server_before_it_was_copied_fails_the_pull(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    os.remove(lab.archive / CLIENT / "syslog.log-20261122-000000.gz")
    result = lab.pull()
    assert result.returncode == 1
    assert "server1: could not copy all its sealed rotations (rsync exit 23)" in result.stderr
    assert "syslog.log-20261122-000000.gz was not copied: it is gone from the server" in result.stderr
    # The chain is taken all the same, so that verify_offsite.yml names the file removed.
    assert lab.copy(".seal/chain.jsonl").read_bytes() == (lab.state / "chain.jsonl").read_bytes()


def test_a_sealed_file_replaced_before_it_was_copied_is_kept_as_evidence_and_fails_the_pull(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.rotate("20261123-000000", b"second\n")
    lab.seal()
    lab.rotate("20261122-000000", b"rewritten before the copy\n")
    os.remove(lab.archive / CLIENT / "syslog.log-20261123-000000.gz")
    os.symlink("/etc/passwd", lab.archive / CLIENT / "syslog.log-20261123-000000.gz")
    result = lab.pull()
    assert result.returncode == 1
    assert "syslog.log-20261122-000000.gz on the server is not the file sealed" in result.stderr
    assert "syslog.log-20261123-000000.gz was not copied: it is gone from the server, or no regular file there" in result.stderr
    assert not os.path.lexists(lab.copy(CLIENT + "/syslog.log-20261123-000000.gz"))
    assert gzip.decompress(lab.copy(CLIENT + "/syslog.log-20261122-000000.gz").read_bytes()) == b"rewritten before the copy\n"


def test_a_chain_too_deep_to_parse_fails_that_server_only(tmp_path):
    lab = Lab(tmp_path)
    lab.rotate("20261122-000000", b"first\n")
    lab.seal()
    other = tmp_path / "other"
    (other / ".seal").mkdir(parents=True)
    (other / ".seal" / "chain.jsonl").write_text("[" * 100000 + "\n")
    (other / ".seal" / "head.json").write_text("{}\n")
    result = run(lab.libexec / "auditlog-offsite-pull", "--dest", lab.backup,
                 "--source", "bad=%s/" % other, "--source", "server1=%s/" % lab.archive)
    assert result.returncode == 1
    assert "auditlog-offsite-pull: bad: its chain was set aside, not taken: chain line 1 is not JSON" in result.stderr
    assert result.stdout == "auditlog-offsite-pull: server1: copied\n"
    assert "Traceback" not in result.stderr
