import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.targets import syslog_targets


def test_each_server_gets_its_own_port_or_the_default():
    hostvars = {"s1": {"syslog_server_tls_port": 16514}, "s2": {}}
    assert syslog_targets(["s1", "s2"], hostvars) == [
        {"name": "s1", "port": 16514, "transport": "tls"}, {"name": "s2", "port": 6514, "transport": "tls"}]


def test_relp_takes_the_servers_relp_port():
    hostvars = {"s1": {"syslog_server_tls_port": 16514, "syslog_server_relp_port": 12514}, "s2": {}}
    assert syslog_targets(["s1", "s2"], hostvars, "relp") == [
        {"name": "s1", "port": 12514, "transport": "relp"}, {"name": "s2", "port": 2514, "transport": "relp"}]


def test_an_unknown_transport_is_refused():
    with pytest.raises(AnsibleFilterError, match="unknown transport 'udp'; choose one of relp, tls"):
        syslog_targets(["s1"], {}, "udp")


def test_a_single_name_instead_of_a_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="list of inventory names"):
        syslog_targets("s1")
