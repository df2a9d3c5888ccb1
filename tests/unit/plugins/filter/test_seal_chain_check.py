import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.seal import seal_chain_check
from ansible_collections.auditlog.fleet.plugins.module_utils import seal


def test_the_filter_checks_with_the_controllers_clock_and_retention():
    key = seal.new_private_key()
    entry = seal.make_entry(1, "sealed", "10.0.0.5/syslog.log-20261120.gz", 1, "0" * 64, "2026-01-01T00:00:00Z",
                            seal.GENESIS)
    chain, head = seal.format_entries([entry]), json.dumps(seal.sign_head(key, [entry]))
    verdict = seal_chain_check(chain, head, seal.public_key_pem(key).decode("ascii"), None, 90)
    assert verdict["problems"] == [] and verdict["head"]["seq"] == 1
    ahead = seal.make_entry(1, "sealed", entry["path"], 1, "0" * 64, "2099-01-01T00:00:00Z", seal.GENESIS)
    verdict = seal_chain_check(seal.format_entries([ahead]), json.dumps(seal.sign_head(key, [ahead])),
                               seal.public_key_pem(key).decode("ascii"), None, 90)
    assert verdict["problems"] == ["entry 1 (%s) is dated 2099-01-01T00:00:00Z, in the future" % entry["path"]]


@pytest.mark.parametrize("pinned, retention, message", [
    ({"seq": "3"}, 90, "the pinned head must be"), ({"seq": 3}, 90, "the pinned head must be"), (None, "90", "retention_days must be a number of days"),
    (None, 0, "retention_days must be a number of days")])
def test_bad_arguments_are_refused(pinned, retention, message):
    with pytest.raises(AnsibleFilterError, match=message):
        seal_chain_check("", "", "", pinned, retention)
