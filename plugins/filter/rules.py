# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: rsyslog_rule_condition.yml, rsyslog_string.yml and syslog_structured_data.yml
# beside this file.

from ansible.errors import AnsibleFilterError

SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
KEYS = frozenset(["programs", "max_severity", "include", "exclude", "forward"])


def rsyslog_string(value):
    """A double-quoted RainerScript string literal holding exactly ``value``."""
    if not isinstance(value, str):
        raise AnsibleFilterError("expected a string, got %r" % (value,))
    if any(ord(char) < 32 for char in value):
        raise AnsibleFilterError("control characters are not allowed in %r" % (value,))
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def rsyslog_rule_condition(rule):
    if not isinstance(rule, dict):
        raise AnsibleFilterError("a rule must be a dict, got %r" % (rule,))
    unknown = sorted(set(rule) - KEYS)
    if unknown:
        raise AnsibleFilterError("unknown key(s) %s in rule %r; a rule has %s"
                                 % (", ".join(unknown), rule, ", ".join(sorted(KEYS))))
    parts = []
    programs = rule.get("programs")
    if programs is not None:
        if isinstance(programs, str) or not programs:
            raise AnsibleFilterError("programs must be a non-empty list of program names, got %r" % (programs,))
        tests = ["$programname == %s" % rsyslog_string(program) for program in programs]
        parts.append(tests[0] if len(tests) == 1 else "(%s)" % " or ".join(tests))
    severity = rule.get("max_severity")
    if severity is not None:
        if severity not in SEVERITIES:
            raise AnsibleFilterError("max_severity must be one of %s, got %r" % (", ".join(SEVERITIES), severity))
        parts.append("$syslogseverity <= %d" % SEVERITIES.index(severity))
    for key, negate in (("include", ""), ("exclude", "not ")):
        pattern = rule.get(key)
        if pattern is not None:
            if not pattern:
                raise AnsibleFilterError("%s must be a non-empty regular expression" % key)
            parts.append("%sre_match(ltrim($msg), %s)" % (negate, rsyslog_string(pattern)))
    return " and ".join(parts) if parts else "1 == 1"


def _is_sd_name(name):
    """RFC 5424 6.3: SD-ID and PARAM-NAME are 1 to 32 printable US-ASCII characters except = ] " and space."""
    return isinstance(name, str) and 0 < len(name) <= 32 and all(33 <= ord(char) <= 126 and char not in '="]' for char in name)


def syslog_structured_data(metadata, sd_id):
    """One RFC 5424 SD-ELEMENT, ``[sd_id name="value" ...]``, from a dict of names and values."""
    if not isinstance(metadata, dict) or not metadata:
        raise AnsibleFilterError("metadata must be a non-empty dict of names and values, got %r" % (metadata,))
    for name in [sd_id] + list(metadata):
        if not _is_sd_name(name):
            raise AnsibleFilterError(
                "%r cannot be an RFC 5424 name: 1 to 32 printable ASCII characters, none of = ] \" or space" % (name,))
    params = []
    for name, value in metadata.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise AnsibleFilterError("the value of %s must be a string or a number, got %r" % (name, value))
        text = str(value)
        if any(ord(char) < 32 for char in text):
            raise AnsibleFilterError("the value of %s holds control characters" % name)
        params.append('%s="%s"' % (name, text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")))
    return "[%s %s]" % (sd_id, " ".join(params))


class FilterModule(object):
    def filters(self):
        return {
            "rsyslog_rule_condition": rsyslog_rule_condition,
            "rsyslog_string": rsyslog_string,
            "syslog_structured_data": syslog_structured_data,
        }
