import pytest

from ansible_collections.auditlog.fleet.plugins.filter import checks


def test_paths_that_could_only_be_paths_pass():
    assert checks.path_problems({"a": "/var/spool/rsyslog/auditlog", "b": "/srv/syslog-archive/", "c": "/x_y.z"}) == []


@pytest.mark.parametrize("path", [
    'relative/dir', '/var/spool/q" queue.maxDiskSpace="1', "/a b", "/a\nb", "/var/lib/../../etc", "/a/./b",
    "/srv/$HOME", "/srv/{{x}}", "", "//", "/a;b", "/é", "/srv/archive\n",
])
def test_a_path_that_could_carry_more_is_named(path):
    problems = checks.path_problems({"syslog_client_spool_dir": path})
    assert len(problems) == 1 and problems[0].startswith("syslog_client_spool_dir: ")


def test_host_names():
    assert checks.host_name_problems(["mol-server1", "logs.example.org", "192.0.2.1", "2001:db8::1"]) == []
    problems = checks.host_name_problems(["*.example.org", "a.", 'a"b', "a_b", "ok"])
    assert len(problems) == 4 and "wildcard" in problems[0] and "ends in a dot" in problems[1]


@pytest.mark.parametrize("rule", [
    "-w /etc/motd -p wa -k motd", "-a always,exit -F arch=b64 -S execve -F auid>=1000 -F auid!=-1 -k exec",
    "-A exit,always -F path=/usr/bin/su -F perm=x", "-a always,exit -S all -C uid!=euid -F euid=0",
])
def test_rules_that_only_add_pass(rule):
    assert checks.audit_rule_problems([rule]) == []


@pytest.mark.parametrize("rule,why", [
    ("-w /etc/motd -p wa\n-D", "not one line"), ("-w /etc/motd -p wa\r-e 0", "not one line"),
    ("-D", "does not begin"), ("-e 0", "does not begin"), ("-b 1", "does not begin"), ("-f 0", "does not begin"),
    ("-w /etc/motd -p wa -e 0", "uses -e"), ("-a always,exit -S all -D", "uses -D"),
    ("-W /etc/passwd", "does not begin"), ("-d always,exit -S all", "does not begin"),
    ("-w /x --backlog_wait_time 0", "uses --backlog_wait_time"), ("", "not a rule"), ("w /etc/motd", "does not begin"),
    ("-a never,exit -S all", "uses never"), ("-A exit,never -F auid=0", "uses never"),
    ("-a always,exclude -F msgtype=USER_LOGIN", "uses exclude"), ("-a exclude,never -F msgtype=CWD", "exclude and never"),
])
def test_a_rule_that_deletes_or_switches_off_is_named(rule, why):
    problems = checks.audit_rule_problems([rule])
    assert len(problems) == 1 and why in problems[0]


def test_facts_that_would_override_a_collection_variable_are_named():
    facts = {"distribution": "Debian", "syslog_ca_host": "x", "__syslog_ca_host_names": [], "auditlog_verify_nonce": "",
             "syslogd": 1, "local": {"syslog_ca_host": "inside ansible_local, not a variable"}}
    assert checks.shadowing_facts(facts) == ["__syslog_ca_host_names", "auditlog_verify_nonce", "syslog_ca_host"]
    assert checks.shadowing_facts(None) == []


def test_a_peer_must_be_a_host_or_one_of_its_extra_names():
    hostvars = {"web1": {"syslog_ca_host_extra_names": ["Logs.example.org"]}, "web2": {}}
    assert checks.unknown_peers(["WEB1", "web2", "logs.example.org"], ["web1", "web2"], hostvars) == []
    problems = checks.unknown_peers(["web1", "web3"], ["web1", "web2"], hostvars)
    assert problems == ["web3 is a peer but no host of the inventory, nor an extra name of one (syslog_ca_host_extra_names)"]


class Untouchable(dict):
    def __getitem__(self, key):
        raise AssertionError("read the variables of %s" % key)


def test_peers_that_are_hosts_cost_no_host_variables():
    assert checks.unknown_peers(["web1"], ["web1", "web2"], Untouchable()) == []
