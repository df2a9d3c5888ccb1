# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rsyslog_tls_policy
short_description: The collection's TLS policy as an rsyslog string literal for a TLS library
version_added: 0.2.0
description:
  - TLS 1.2 and 1.3 only, key exchange with forward secrecy (ECDHE), and only ciphers with
    authenticated encryption (AES-GCM, ChaCha20-Poly1305, AES-CCM with a full-length tag);
    no CBC and no SHA-1 MAC. Debian's defaults also accept TLS 1.0 and 1.1 with CBC ciphers.
  - For C(gtls) (GnuTLS, used by rsyslog's gtls driver and by RELP) a GnuTLS priority string,
    for the parameters C(gnutlsPriorityString) and C(tls.priorityString); for C(ossl) OpenSSL
    configuration commands, one per line, for C(gnutlsPriorityString).
options:
  _input:
    description: The TLS library, C(gtls) or C(ossl).
    type: str
    required: true
author: auditlog.fleet contributors (@auditlog)
"""

EXAMPLES = r"""
# input(type="imtcp" ... gnutlsPriorityString="NORMAL:-VERS-ALL:...")
policy: "{{ 'gtls' | auditlog.fleet.rsyslog_tls_policy }}"
"""

RETURN = r"""
_value:
  description: A double-quoted rsyslog string literal (lines of OpenSSL commands joined by C(\n)).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.compat.version import LooseVersion

POLICIES = {
    "gtls": ["NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"
             ":-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM:+AES-256-CCM:+AES-128-CCM"],
    "ossl": ["MinProtocol=TLSv1.2",
             "CipherString=ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AESCCM:!AESCCM8"],
}


def rsyslog_tls_policy(library):
    if library not in POLICIES:
        raise AnsibleFilterError("unknown TLS library %r; choose one of %s" % (library, ", ".join(sorted(POLICIES))))
    # rsyslog reads \n in a string literal as a line break; the policies hold no quote,
    # backslash or dollar sign that would need escaping.
    return '"%s"' % "\\n".join(POLICIES[library])


# rsyslog's OpenSSL driver hands each session's socket to OpenSSL to close (BIO_CLOSE) and
# closes it itself as well, before this release (upstream commit a2fd9b317): when sessions end
# together, the second close can hit a descriptor another thread has just been given, and
# that session then carries two sessions' records. A client was seen never to reach a server
# again ("Decryption has failed" there every 5 s) until its rsyslog restarted.
OSSL_CLOSES_ONCE_FROM = "8.2602"


def rsyslog_tls_driver_problem(driver, rsyslog_version):
    """Why ``driver`` must not be used with the installed rsyslog (a Debian version, or '' when
    none is installed yet: Debian 12 and 13 install older ones than the fix), or ''."""
    rsyslog_tls_policy(driver)
    upstream = str(rsyslog_version).split(":", 1)[-1].split("-", 1)[0]
    if driver == "ossl" and (not upstream or LooseVersion(upstream) < LooseVersion(OSSL_CLOSES_ONCE_FROM)):
        return ("rsyslog before %s (this host has %s) closes each OpenSSL session's socket twice, which "
                "can leave a peer unreachable until rsyslog restarts (upstream commit a2fd9b317); use the "
                "gtls driver" % (OSSL_CLOSES_ONCE_FROM, rsyslog_version or "none installed"))
    return ""


class FilterModule(object):
    def filters(self):
        return {"rsyslog_tls_policy": rsyslog_tls_policy, "rsyslog_tls_driver_problem": rsyslog_tls_driver_problem}
