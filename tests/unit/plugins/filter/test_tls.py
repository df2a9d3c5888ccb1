import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.auditlog.fleet.plugins.filter.tls import rsyslog_tls_driver_problem, rsyslog_tls_policy


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


@pytest.mark.parametrize("version", ["8.2302.0-1+deb12u1", "8.2504.0-1", "1:8.2512.0-2"])
def test_openssl_is_refused_where_rsyslog_closes_its_sockets_twice(version):
    problem = rsyslog_tls_driver_problem("ossl", version)
    assert problem.startswith("rsyslog before 8.2602 (this host has %s) closes each OpenSSL session's socket twice" % version)
    assert problem.endswith("use the gtls driver")


def test_openssl_is_refused_before_rsyslog_is_installed():
    assert rsyslog_tls_driver_problem("ossl", "").startswith("rsyslog before 8.2602 (this host has none installed)")


@pytest.mark.parametrize("driver, version", [("ossl", "8.2602.0-1"), ("ossl", "8.2610.0"), ("gtls", "8.2302.0-1+deb12u1")])
def test_a_driver_without_that_defect_is_accepted(driver, version):
    assert rsyslog_tls_driver_problem(driver, version) == ""


def test_the_check_knows_only_the_known_libraries():
    with pytest.raises(AnsibleFilterError, match="unknown TLS library 'nss'"):
        rsyslog_tls_driver_problem("nss", "8.2302.0-1")
