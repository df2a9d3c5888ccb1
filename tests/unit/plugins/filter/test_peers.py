import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter import peers


def test_peers_are_permitted_by_the_names_the_ca_decided():
    signed = {"peer_names": {"a": ["a-0123456789abcdef.auditlog.invalid"],
                             "b": ["b-fedcba9876543210.auditlog.invalid", "b"]}}
    assert peers.peer_names(["a", "b"], signed) == [
        "a-0123456789abcdef.auditlog.invalid", "b-fedcba9876543210.auditlog.invalid", "b"]


def test_a_peer_the_ca_was_not_asked_about_is_an_error():
    with pytest.raises(AnsibleFilterError, match="not asked for the identity of c"):
        peers.peer_names(["c"], {"peer_names": {}})


@pytest.mark.parametrize("signed", [{}, {"skipped": True}, None])
def test_without_a_ca_the_names_stay_as_they_are(signed):
    assert peers.peer_names(["a", "b"], signed) == ["a", "b"]


def test_an_extra_name_stands_for_its_host():
    hostvars = {"web1": {"syslog_ca_host_extra_names": ["Logs.example.org"]}, "web2": {}}
    assert peers.peer_hosts(["logs.example.org", "web2", "WEB1", "nobody"], ["web1", "web2"], hostvars) == [
        "web1", "web2", "nobody"]
