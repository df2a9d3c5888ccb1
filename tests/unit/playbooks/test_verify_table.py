"""verify.yml's delivery table, rendered as the playbook renders it."""

import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

TEMPLATE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "playbooks", "templates", "verify_table.j2")
NONCE = "n0nce"


def client(address, sent="100.0"):
    return {"ansible_facts": {"all_ipv4_addresses": [address], "all_ipv6_addresses": []},
            "auditlog_verify_sent": {"stdout": sent}}


def table(servers):
    hostvars = {"web1": client("10.0.0.5"), "web2": client("10.0.0.6")}
    hostvars.update(servers)
    variables = {"groups": {"syslog_clients": ["web1", "web2"], "syslog_servers": sorted(servers)},
                 "hostvars": hostvars, "auditlog_verify_nonce": NONCE}
    with open(TEMPLATE) as stream:
        source = stream.read()
    return yaml.safe_load(Templar(loader=DataLoader(), variables=variables).template(trust_as_template(source)))


def found(*seen):
    return {"auditlog_verify_found": {"first_seen": dict(
        ("auditlog-canary %s %s" % (name, NONCE), {directory: 100.5}) for name, directory in seen)}}


def test_a_canary_in_its_clients_directory_is_delivered_with_its_latency():
    rows = table({"log1": found(("web1", "10.0.0.5"), ("web2", "10.0.0.6"))})
    assert [row["ok"] for row in rows] == [True, True]
    assert rows[0]["line"].split() == ["web1", "log1", "delivered", "in", "0.50", "s,", "to", "10.0.0.5"]


def test_a_canary_elsewhere_is_misfiled_and_one_nowhere_is_missing():
    rows = table({"log1": found(("web1", "10.0.0.6"))})
    assert [row["ok"] for row in rows] == [False, False]
    assert rows[0]["line"].endswith("FILED UNDER 10.0.0.6")
    assert rows[1]["line"].endswith("MISSING")


def test_a_server_whose_watch_failed_is_not_reported_as_missing_canaries():
    rows = table({"log1": found(("web1", "10.0.0.5"), ("web2", "10.0.0.6")),
                  "log2": {"auditlog_verify_found": {"failed": True, "msg": "archive root is gone"}}})
    log2 = [row for row in rows if " log2 " in row["line"]]
    assert [row["ok"] for row in log2] == [False, False]
    assert all(row["line"].endswith("NOT WATCHED: archive root is gone") for row in log2)
    assert all(row["ok"] for row in rows if " log1 " in row["line"])
