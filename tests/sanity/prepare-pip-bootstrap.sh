#!/usr/bin/env bash
# ansible-test sanity bootstraps pip into each test's venv with a script it downloads from
# a host these machines cannot reach, but it first looks in its cache. This puts a
# stand-in there that installs pip from the interpreter's own bundled wheel (ensurepip);
# the tests' requirements then come from PyPI as usual.
# Usage: prepare-pip-bootstrap.sh PYTHON (the venv python that has ansible-test)
set -euo pipefail

python=$1
pip_version=$("$python" - <<'PY'
import inspect, re
from ansible_test._internal import python_requirements
source = inspect.getsource(python_requirements.get_venv_packages)
print(re.search(r"pip='([0-9.]+)'", source).group(1))
PY
)
cache=~/.ansible/test/cache
script=$cache/get_pip_${pip_version//./_}.py
mkdir -p "$cache"
cat >"$script" <<'PY'
# Stand-in for get-pip.py written by auditlog.fleet's tests/sanity/prepare-pip-bootstrap.sh:
# pip from the interpreter's bundled wheel instead of a download.
import ensurepip

ensurepip.bootstrap(upgrade=True)
PY
echo "sanity: pip bootstrap stand-in at $script"
