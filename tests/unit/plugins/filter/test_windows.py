import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.windows import syslog_delivery_windows

SERVERS = [{"name": "s1", "port": 2514, "transport": "relp"}, {"name": "s2", "port": 6514, "transport": "tls"}]


def test_no_windows_is_an_empty_mapping():
    assert syslog_delivery_windows({}, SERVERS) == {}
    assert syslog_delivery_windows(None, SERVERS, "failover") == {}


def test_hours_become_integers_and_may_cross_midnight():
    assert syslog_delivery_windows({"s1": {"begin": "22", "end": 5}}, SERVERS) == {"s1": {"begin": 22, "end": 5}}
    assert syslog_delivery_windows({"s1": {"begin": 0, "end": 24}}, SERVERS) == {"s1": {"begin": 0, "end": 24}}


@pytest.mark.parametrize("windows, delivery, message", [
    ({"s3": {"begin": 1, "end": 5}}, "fanout", r"window for s3 names no server in syslog_client_servers \(s1, s2\)"),
    ({"s2": {"begin": 1, "end": 5}}, "fanout", "window for s2 needs its transport to be relp"),
    ({"s1": {"begin": 1, "end": 5}}, "failover", "needs syslog_client_delivery fanout"),
    ({"s1": {"begin": 1}}, "fanout", r"must be \{begin: HOUR, end: HOUR\}"),
    ({"s1": {"begin": 1, "end": 5, "days": 2}}, "fanout", r"must be \{begin: HOUR, end: HOUR\}"),
    ({"s1": "1-5"}, "fanout", r"must be \{begin: HOUR, end: HOUR\}"),
    ({"s1": {"begin": 24, "end": 5}}, "fanout", "begin must be an hour from 0 to 23, got 24"),
    ({"s1": {"begin": 1, "end": 25}}, "fanout", "end must be an hour from 0 to 24, got 25"),
    ({"s1": {"begin": "1am", "end": 5}}, "fanout", "begin must be a whole hour, got '1am'"),
    ({"s1": {"begin": True, "end": 5}}, "fanout", "begin must be a whole hour, got True"),
    ({"s1": {"begin": 3, "end": 3}}, "fanout", "begins and ends at 3 o'clock: rsyslog would never send"),
    (["s1"], "fanout", "must map server names"),
])
def test_a_bad_window_is_refused_with_what_is_wrong(windows, delivery, message):
    with pytest.raises(AnsibleFilterError, match=message):
        syslog_delivery_windows(windows, SERVERS, delivery)
