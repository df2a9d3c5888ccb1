# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Molecule scenarios' connection to their containers (not part of the collection).

containers.podman's connection, which Molecule's podman driver names ``podman``, with two
changes: modules are pipelined (sent on the standard input of ``podman exec --interactive``)
and the container's file system is mounted only when a file is copied. A task then costs one
podman command instead of four (mount, mkdir, chmod, run), each of which costs a podman
process and a conmon session on the host; those were most of ``make test``'s CPU time.
Each scenario puts this directory on ANSIBLE_CONNECTION_PLUGINS, where the name ``podman``
is found before the built-in redirect to containers.podman.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
    name: podman
    short_description: containers.podman's podman connection, with pipelining
    description:
      - Runs commands in, and copies files to and from, an existing podman container.
      - Modules are pipelined; the container is mounted only to copy a file.
    author: auditlog.fleet
    extends_documentation_fragment:
      - connection_pipelining
    options:
      remote_addr:
        description: The name or ID of the container.
        default: inventory_hostname
        vars:
          - name: ansible_host
          - name: inventory_hostname
          - name: ansible_podman_host
      remote_user:
        description: The user commands run as inside the container.
        ini:
          - section: defaults
            key: remote_user
        env:
          - name: ANSIBLE_REMOTE_USER
        vars:
          - name: ansible_user
      podman_extra_args:
        description: Extra arguments for the podman command line.
        default: ''
        ini:
          - section: defaults
            key: podman_extra_args
        vars:
          - name: ansible_podman_extra_args
        env:
          - name: ANSIBLE_PODMAN_EXTRA_ARGS
      podman_executable:
        description: The podman command.
        default: podman
        vars:
          - name: ansible_podman_executable
        env:
          - name: ANSIBLE_PODMAN_EXECUTABLE
"""

import shlex

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible_collections.containers.podman.plugins.connection.podman import Connection as PodmanConnection


class Connection(PodmanConnection):
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _mount(self):
        if self._mount_point is None:
            PodmanConnection._connect(self)

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        ConnectionBase.exec_command(self, cmd, in_data=in_data, sudoable=sudoable)
        podman_args = ["exec", "--interactive"] if in_data is not None else ["exec"]
        if self.user:
            podman_args.extend(("--user", self.user))
        return self._podman(podman_args, shlex.split(to_native(cmd, errors="surrogate_or_strict")), in_data)

    def put_file(self, in_path, out_path):
        self._mount()
        super(Connection, self).put_file(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        self._mount()
        super(Connection, self).fetch_file(in_path, out_path)
