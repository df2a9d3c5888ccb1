"""Molecule's TLS scan report, on reports that the real sslyze (make's scan venv) wrote about
TLS servers on loopback: one that meets the policy, one with CBC suites, one whose listener
goes away during the scan (as a receiver that restarts does), and a port nobody listens on."""

import importlib.machinery
import importlib.util
import json
import os
import socket
import ssl
import subprocess
import threading

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SSLYZE_PYTHON = os.path.join(ROOT, "build", "scan-venv", "bin", "python")
REPORT = os.path.join(ROOT, "molecule", "default", "files", "tls_scan_report.py")
STRONG = "ECDHE+AESGCM:ECDHE+CHACHA20"


@pytest.fixture(scope="module")
def report_module():
    loader = importlib.machinery.SourceFileLoader("tls_scan_report", REPORT)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=localhost", "-days", "1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


class Server:
    """A TLS server on a free loopback port that stops listening after `connections` (if given)."""

    def __init__(self, certificate, ciphers, connections=None):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*certificate)
        self.context.set_ciphers(ciphers)
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.connections = connections
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        served = 0
        while self.connections is None or served < self.connections:
            try:
                connection = self.listener.accept()[0]
            except OSError:
                return
            served += 1
            try:
                self.context.wrap_socket(connection, server_side=True).close()
            except (OSError, ssl.SSLError):
                connection.close()
        self.listener.close()

    def close(self):
        self.listener.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scan(tmp_path, ports):
    output = tmp_path / "scan.json"
    subprocess.run([SSLYZE_PYTHON, "-m", "sslyze", "--quiet", "--json_out=%s" % output,
                    "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3"]
                   + ["127.0.0.1:%d" % port for port in ports],
                   check=True, capture_output=True, timeout=180)
    return output


def run_report(path):
    # The report's exit status is what the tests judge.
    return subprocess.run(["python3", REPORT, str(path)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, certificate):
    """One sslyze run over every kind of port, as Molecule scans the servers' four ports at once."""
    servers = {
        "strong": Server(certificate, STRONG),
        "cbc": Server(certificate, "ECDHE+AESGCM:ECDHE+AES"),
        # The connectivity check and a few scans pass, then nothing listens any more.
        "vanishing": Server(certificate, STRONG, connections=12),
    }
    ports = {name: server.port for name, server in servers.items()}
    ports["closed"] = free_port()
    try:
        path = scan(tmp_path_factory.mktemp("scan"), ports.values())
    finally:
        for server in servers.values():
            server.close()
    return path, {name: "127.0.0.1:%d" % port for name, port in ports.items()}


def test_a_port_that_meets_the_policy_passes(scanned):
    path, targets = scanned
    lines = run_report(path).stdout.splitlines()
    strong = [line for line in lines if targets["strong"] in line]
    assert len(strong) == 1, lines
    assert not strong[0].startswith("FAIL")
    accepted = dict(part.split(" ", 1) for part in strong[0].split(": ", 1)[1].split("; "))
    assert sorted(accepted) == ["tls_1_2", "tls_1_3"]
    assert "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in accepted["tls_1_2"].split()
    assert "TLS_AES_128_GCM_SHA256" in accepted["tls_1_3"].split()


def test_cbc_suites_fail(scanned):
    path, targets = scanned
    result = run_report(path)
    assert result.returncode == 1
    assert any(line.startswith("FAIL %s accepts weak TLS 1.2 suites" % targets["cbc"]) and "_CBC_" in line
               for line in result.stdout.splitlines()), result.stdout


def test_every_scan_the_server_broke_off_is_named_with_sslyzes_reason(scanned):
    path, targets = scanned
    result = run_report(path)
    assert result.returncode == 1
    assert result.stderr == ""
    broken = [line for line in result.stdout.splitlines() if line.startswith("FAIL %s: the " % targets["vanishing"])]
    assert broken, result.stdout
    for line in broken:
        assert "scan did not complete: ERROR" in line
        assert 'ServerRejectedConnection: %s -> "Server rejected the connection"' % targets["vanishing"] in line
    # Each errored command in sslyze's own report has its line, and no other.
    with open(path) as handle:
        entry = next(server for server in json.load(handle)["server_scan_results"]
                     if server["server_location"]["port"] == int(targets["vanishing"].split(":")[1]))
    errored = sorted(name[:-len("_cipher_suites")] for name, attempt in entry["scan_result"].items()
                     if name.endswith("_cipher_suites") and attempt["status"] == "ERROR")
    assert errored
    assert sorted(line.split(" the ")[1].split(" scan")[0] for line in broken) == errored


def test_a_port_nobody_listens_on_is_named(scanned):
    path, targets = scanned
    assert "FAIL %s: not reachable (sslyze.errors.ServerRejectedConnection" % targets["closed"] in run_report(path).stdout


@pytest.mark.parametrize("report", [
    {},
    {"server_scan_results": []},
    {"server_scan_results": [{"connectivity_status": "COMPLETED", "scan_status": "COMPLETED", "scan_result": None,
                              "server_location": {"ip_address": "192.0.2.1", "port": 6514}}]},
    {"server_scan_results": [{"connectivity_status": "COMPLETED", "scan_status": "COMPLETED", "scan_result": {},
                              "server_location": {"ip_address": "192.0.2.1", "port": 6514}}]},
    {"invalid_server_strings": [{"server_string": "nowhere:6514", "error_message": "could not resolve"}],
     "server_scan_results": []},
])
def test_an_unexpected_report_fails_without_a_traceback(report_module, report):
    summaries, failures = report_module.judge(report)
    assert failures
    assert summaries == []
