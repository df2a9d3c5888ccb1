# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: seal_chain_check.yml beside this file.

import datetime

from ansible.errors import AnsibleFilterError
from ansible_collections.auditlog.fleet.plugins.module_utils import seal


def _checked_head(head, what):
    if head is not None and not (isinstance(head, dict) and isinstance(head.get("seq"), int)
                                 and isinstance(head.get("hash"), str)):
        raise AnsibleFilterError("the %s must be {seq, hash, signature} as this filter returned it, got %r" % (what, head))
    return head


def seal_chain_check(chain_text, head_text, public_key, pinned, retention_days, verified_elsewhere=None):
    if not seal.HAS_CRYPTOGRAPHY:
        raise AnsibleFilterError("seal_chain_check needs the Python library cryptography on the controller")
    _checked_head(pinned, "pinned head")
    _checked_head(verified_elsewhere, "head verified elsewhere")
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) or retention_days < 1:
        raise AnsibleFilterError("retention_days must be a number of days, got %r" % (retention_days,))
    return seal.check_chain(str(chain_text), str(head_text), str(public_key), pinned, retention_days,
                            datetime.datetime.now(datetime.timezone.utc), verified_elsewhere)


class FilterModule(object):
    def filters(self):
        return {"seal_chain_check": seal_chain_check}
