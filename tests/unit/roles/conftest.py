import importlib.machinery
import importlib.util
import os

import pytest

FILES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "syslog_server", "files")


def load_script(name):
    """Import one of the role's scripts (installed without a .py suffix) as a module."""
    path = os.path.join(FILES, name)
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def guard():
    return load_script("auditlog-archive-guard")


@pytest.fixture(scope="session")
def exporter():
    return load_script("auditlog-impstats-textfile")
