import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.tls import rsyslog_tls_policy


def test_openssl_commands_are_one_per_line_in_one_literal():
    literal = rsyslog_tls_policy("ossl")
    assert literal.startswith('"MinProtocol=TLSv1.2\\nCipherString=') and literal.endswith('"')
    assert literal.count('"') == 2


def test_gnutls_gets_a_priority_string_without_old_versions():
    literal = rsyslog_tls_policy("gtls")
    assert literal.startswith('"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:')
    assert "TLS1.1" not in literal and "CBC" not in literal


def test_an_unknown_library_is_refused():
    with pytest.raises(AnsibleFilterError, match="unknown TLS library 'nss'; choose one of gtls, ossl"):
        rsyslog_tls_policy("nss")
