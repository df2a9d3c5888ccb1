import os
import shutil
import subprocess

import pytest

from ansible_collections.auditlog.fleet.plugins.module_utils import rsyslog_config

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"

MAIN = """\
module(load="imuxsock")
$WorkDirectory {work}
$IncludeConfig {confdir}/*.conf
*.* {work}/all.log
"""


@pytest.fixture
def tree(tmp_path):
    confdir = tmp_path / "rsyslog.d"
    confdir.mkdir()
    (tmp_path / "spool").mkdir()
    main = tmp_path / "rsyslog.conf"
    main.write_text(MAIN.format(work=tmp_path / "spool", confdir=confdir))
    (confdir / "10-other.conf").write_text('module(load="imtcp")\ninput(type="imtcp" port="10514")\n')
    return main, confdir


def run(args):
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def check(tree, tmp_path, content, required=()):
    main, confdir = tree
    work = tmp_path / "check"
    work.mkdir()
    rsyslog_config.check(RSYSLOGD, str(main), str(confdir / "50-new.conf"), content, list(required), str(work), run)


def test_staged_copy_replaces_only_the_candidate(tree, tmp_path):
    main, confdir = tree
    (confdir / "50-new.conf").write_text("old\n")
    work = tmp_path / "stage"
    work.mkdir()
    staged = rsyslog_config.stage(str(main), str(confdir / "50-new.conf"), "new\n", str(work))
    text = open(staged).read()
    assert str(confdir) not in text and str(work / "include.d") in text
    assert (work / "include.d" / "50-new.conf").read_text() == "new\n"
    assert (work / "include.d" / "10-other.conf").exists()
    assert (confdir / "50-new.conf").read_text() == "old\n"


def test_a_file_outside_the_included_directory_is_refused(tree, tmp_path):
    main, _confdir = tree
    with pytest.raises(rsyslog_config.ConfigError, match="would never be loaded"):
        rsyslog_config.stage(str(main), str(tmp_path / "elsewhere" / "x.conf"), "", str(tmp_path))


def test_valid_candidate_passes(tree, tmp_path):
    check(tree, tmp_path, 'auth.* {}/auth.log\n'.format(tmp_path))


def test_unknown_parameter_fails_with_rsyslogs_words(tree, tmp_path):
    with pytest.raises(rsyslog_config.ConfigError) as error:
        check(tree, tmp_path, 'action(type="omfile" file="/tmp/x" noSuchParameter="1")\n')
    assert "nosuchparameter" in str(error.value).lower()
    assert "50-new.conf" in str(error.value)


def test_clash_with_the_rest_of_the_configuration_fails(tree, tmp_path):
    # Valid alone, but 10-other.conf already loads imtcp.
    with pytest.raises(rsyslog_config.ConfigError, match="rsyslogd -N1 rejected"):
        check(tree, tmp_path, 'module(load="imtcp")\n')


def test_missing_certificate_is_caught_before_rsyslogd(tree, tmp_path):
    with pytest.raises(rsyslog_config.ConfigError, match="missing.pem"):
        check(tree, tmp_path, "", required=[str(tmp_path / "missing.pem")])


def test_rsyslogd_is_installed():
    # The tests above need the real rsyslogd; make deps installs it.
    assert os.access(RSYSLOGD, os.X_OK)


def test_a_main_configuration_of_its_own_is_checked_before_it_exists(tmp_path):
    conf = tmp_path / "receiver.conf"
    work = tmp_path / "check"
    work.mkdir()
    content = 'global(workDirectory="%s")\n*.* %s/all.log\n' % (tmp_path, tmp_path)
    rsyslog_config.check(RSYSLOGD, str(conf), str(conf), content, [], str(work), run)
    assert not conf.exists()


NAMED_INPUT = """\
module(load="imtcp")
# a comment (with a parenthesis
input(type="imtcp" port="6514"
      streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="x509/name"{peers})
"""


def test_name_authentication_without_peers_is_found():
    assert rsyslog_config.unchecked_names(NAMED_INPUT.format(peers="")) == [3]


@pytest.mark.parametrize("peers", [' permittedPeer=["client1", "client2"]', ' permittedPeer="client1"'])
def test_name_authentication_with_peers_passes(peers):
    assert rsyslog_config.unchecked_names(NAMED_INPUT.format(peers=peers)) == []


def test_relp_and_omfwd_peers_are_recognised():
    content = """\
action(type="omrelp" target="s1" tls="on" tls.authMode="name" tls.permittedPeer=["s1"])
action(type="omfwd" target="s1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="s1")
action(type="omrelp" target="s2" tls="on" tls.authMode="name")
"""
    assert rsyslog_config.unchecked_names(content) == [3]


def test_a_quoted_hash_or_parenthesis_does_not_confuse_the_scan():
    content = 'template(name="t" type="string" string="#(%msg%")\naction(type="omfwd" template="t" StreamDriverAuthMode="x509/name")\n'
    assert rsyslog_config.unchecked_names(content) == [2]


def test_name_authentication_without_peers_is_refused_before_rsyslogd(tree, tmp_path):
    with pytest.raises(rsyslog_config.ConfigError, match="permits no peer"):
        check(tree, tmp_path, NAMED_INPUT.format(peers=""))
