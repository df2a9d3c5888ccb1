# -*- coding: utf-8 -*-
# Copyright (c) auditlog.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: archive_merge.yml and archive_differences.yml beside this file.

from ansible.errors import AnsibleFilterError
from ansible_collections.auditlog.fleet.plugins.module_utils import search


def _checked(found_by_server):
    if not isinstance(found_by_server, dict):
        raise AnsibleFilterError("expected a dict of server names and archive_search messages, got %r" % (found_by_server,))
    return found_by_server


def archive_merge(found_by_server):
    return search.merge(_checked(found_by_server))


def archive_differences(found_by_server):
    return search.differences(_checked(found_by_server))


class FilterModule(object):
    def filters(self):
        return {"archive_merge": archive_merge, "archive_differences": archive_differences}
