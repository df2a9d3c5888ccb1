import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.rules import rsyslog_rule_condition, rsyslog_string


def test_every_key_becomes_a_test():
    rule = {"programs": ["sshd", "sudo"], "max_severity": "warning", "include": "^Accepted ", "exclude": "from 10\\.", "forward": True}
    assert rsyslog_rule_condition(rule) == (
        '($programname == "sshd" or $programname == "sudo") and $syslogseverity <= 4'
        ' and re_match(ltrim($msg), "^Accepted ") and not re_match(ltrim($msg), "from 10\\\\.")')


def test_one_program_needs_no_parentheses():
    assert rsyslog_rule_condition({"programs": ["cron"]}) == '$programname == "cron"'


def test_a_rule_without_tests_matches_everything():
    assert rsyslog_rule_condition({"forward": False}) == "1 == 1"


@pytest.mark.parametrize("value, literal", [
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'),
    ("end$", '"end\\$"'),
    ("\\$HOME", '"\\\\\\$HOME"'),
])
def test_strings_are_quoted_for_rsyslog(value, literal):
    assert rsyslog_string(value) == literal


def test_a_quote_cannot_end_the_string_and_inject_configuration():
    condition = rsyslog_rule_condition({"programs": ['x") then stop if ("']})
    assert condition == '$programname == "x\\") then stop if (\\""'


@pytest.mark.parametrize("rule, message", [
    ({"programs": "sshd"}, "non-empty list"),
    ({"programs": []}, "non-empty list"),
    ({"max_severity": "warn"}, "max_severity must be one of emerg, alert"),
    ({"include": ""}, "include must be a non-empty"),
    ({"program": ["sshd"]}, "unknown key\\(s\\) program"),
    ({"include": "a\nb"}, "control characters"),
    (["sshd"], "a rule must be a dict"),
])
def test_bad_rules_are_refused(rule, message):
    with pytest.raises(AnsibleFilterError, match=message):
        rsyslog_rule_condition(rule)


def test_structured_data_keeps_the_order_and_escapes_values():
    from ansible_collections.auditlog.fleet.plugins.filter.rules import syslog_structured_data
    element = syslog_structured_data({"environment": "prod", "note": 'a "b" [c] d\\e', "rack": 7}, "auditlog@32473")
    assert element == '[auditlog@32473 environment="prod" note="a \\"b\\" [c\\] d\\\\e" rack="7"]'


@pytest.mark.parametrize("metadata, sd_id, message", [
    ({}, "auditlog@32473", "non-empty dict"),
    ({"has space": "x"}, "auditlog@32473", "cannot be an RFC 5424 name"),
    ({"a=b": "x"}, "auditlog@32473", "cannot be an RFC 5424 name"),
    ({"x" * 33: "x"}, "auditlog@32473", "cannot be an RFC 5424 name"),
    ({"env": "x"}, "bad]id", "cannot be an RFC 5424 name"),
    ({"env": ["a"]}, "auditlog@32473", "must be a string or a number"),
    ({"env": True}, "auditlog@32473", "must be a string or a number"),
    ({"env": "a\nb"}, "auditlog@32473", "control characters"),
])
def test_bad_metadata_is_refused(metadata, sd_id, message):
    from ansible_collections.auditlog.fleet.plugins.filter.rules import syslog_structured_data
    with pytest.raises(AnsibleFilterError, match=message):
        syslog_structured_data(metadata, sd_id)
