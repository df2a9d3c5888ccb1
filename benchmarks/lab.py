"""The benchmarks' fleet: Debian 12 systemd containers on a podman network of their own,
deployed with the collection's own playbooks (as tests/lab/lab.sh does for the lab).

Every container and the network are named bench-* / auditlog-bench, so the benchmarks never
touch the lab's or Molecule's containers.
"""

import json
import os
import re
import shutil
import subprocess
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
ANSIBLE_BIN = os.path.join(TOP, ".venv", "bin")
NETWORK = "auditlog-bench"
IMAGE = "localhost/auditlog-debian12:latest"


def run(argv, stdin=None, check=True):
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), result.returncode, result.stderr.strip()[-2000:]))
    return result


def container_exec(name, argv, stdin=None, check=True):
    return run(["podman", "exec", "-i", name] + argv, stdin=stdin, check=check)


def agent_argv(name, agent, arguments):
    """podman exec argv running benchmarks/agents/AGENT inside NAME (the script on stdin)."""
    return ["podman", "exec", "-i", name, "python3", "-", *arguments], os.path.join(HERE, "agents", agent)


def run_agent(name, agent, arguments):
    argv, script = agent_argv(name, agent, arguments)
    with open(script) as handle:
        return json.loads(run(argv, stdin=handle.read()).stdout)


def start_agent(name, agent, arguments):
    """Starts an agent that prints "ready" before its JSON; returns once it is ready."""
    argv, script = agent_argv(name, agent, arguments)
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with open(script) as handle:
        process.stdin.write(handle.read())
    process.stdin.close()
    line = process.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError("agent %s on %s did not start: %r" % (agent, name, line))
    return process


def finish_agent(process):
    output = process.stdout.read()
    if process.wait() != 0:
        raise RuntimeError("agent failed: %s" % output)
    return json.loads(output)


def address(name):
    inspect = json.loads(run(["podman", "container", "inspect", name]).stdout)[0]
    return inspect["NetworkSettings"]["Networks"][NETWORK]["IPAddress"]


def up(names):
    """Fresh containers NAMES, booted."""
    if run(["podman", "network", "exists", NETWORK], check=False).returncode != 0:
        run(["podman", "network", "create", NETWORK])
    for name in names:
        run(["podman", "rm", "--force", name], check=False)
        run(["podman", "run", "--detach", "--name", name, "--hostname", name, "--network", NETWORK,
             "--systemd=always", IMAGE, "/sbin/init"])
    for name in names:
        for dummy in range(120):
            state = container_exec(name, ["systemctl", "is-system-running"], check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("%s did not boot (systemd says %r)" % (name, state))


def down(names):
    for name in names:
        run(["podman", "rm", "--force", name], check=False)


def bench_containers():
    listing = run(["podman", "ps", "--all", "--format", "{{.Names}}"]).stdout.split()
    return [name for name in listing if name.startswith("bench-")]


def write_inventory(path, servers, clients, group_vars=None, host_vars=None):
    """An inventory for fresh containers. Their servers make new sealing keys, which the keys
    pinned beside the inventory for earlier containers would (rightly) refuse, so those go."""
    shutil.rmtree(os.path.join(os.path.dirname(path), ".auditlog-seal"), ignore_errors=True)
    host_vars = host_vars or {}
    inventory = {"all": {
        "vars": dict({"ansible_connection": "containers.podman.podman", "ansible_become": False,
                      "ansible_python_interpreter": "/usr/bin/python3"}, **(group_vars or {})),
        "children": {
            "syslog_ca": {"hosts": {"bench-ca": None}},
            "syslog_servers": {"hosts": dict((name, host_vars.get(name)) for name in servers)},
            "syslog_clients": {"hosts": dict((name, host_vars.get(name)) for name in clients)},
        }}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        yaml.safe_dump(inventory, handle, default_flow_style=False)


def playbook(inventory, name, extra=()):
    """Runs a playbook of the collection; returns (seconds, changed tasks in the recap)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(TOP, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               PATH=ANSIBLE_BIN + os.pathsep + os.environ["PATH"])
    path = name if os.path.isabs(name) else os.path.join(TOP, "playbooks", name)
    start = time.monotonic()
    result = subprocess.run([os.path.join(ANSIBLE_BIN, "ansible-playbook"), "-i", inventory, path, *extra],
                            cwd=TOP, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (name, result.stdout[-4000:] + result.stderr[-2000:]))
    recap = result.stdout[result.stdout.rfind("PLAY RECAP"):]
    return seconds, sum(int(count) for count in re.findall(r"changed=(\d+)", recap))
