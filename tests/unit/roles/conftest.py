import importlib.machinery
import importlib.util
import os
import shutil

import pytest

FILES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "syslog_server", "files")
ROLES = os.path.join(FILES, "..", "..")
MODULE_UTILS = os.path.join(ROLES, "..", "plugins", "module_utils")


def install_with_library(tmp_path, *scripts):
    """Lay scripts out as the roles install them: in libexec/, the collection's sealing code under lib/."""
    libexec = tmp_path / "libexec"
    library = libexec / "lib" / "ansible_collections" / "auditlog" / "fleet" / "plugins" / "module_utils"
    library.mkdir(parents=True)
    for name in ("seal.py", "files.py"):
        shutil.copy(os.path.join(MODULE_UTILS, name), library)
    for script in scripts:
        shutil.copy(script, libexec)
    return libexec


def load_script(name, files=FILES):
    """Import one of a role's scripts (installed without a .py suffix) as a module."""
    path = os.path.join(files, name)
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


@pytest.fixture(scope="session")
def queue_guard():
    return load_script("auditlog-queue-guard", os.path.join(ROLES, "syslog_client", "files"))
