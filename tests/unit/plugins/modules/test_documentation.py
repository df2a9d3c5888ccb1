"""Every module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML (sanity checks the rest)."""

import ast
import glob
import os

import pytest
import yaml

MODULES = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules", "*.py")))


def docs_of(path):
    tree = ast.parse(open(path).read())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                found[node.targets[0].id] = node.value.value
    return found


def test_there_are_modules():
    assert len(MODULES) >= 6


@pytest.mark.parametrize("path", MODULES, ids=os.path.basename)
def test_documentation_is_yaml(path):
    docs = docs_of(path)
    assert sorted(docs) == ["DOCUMENTATION", "EXAMPLES", "RETURN"]
    documentation = yaml.safe_load(docs["DOCUMENTATION"])
    assert documentation["module"] == os.path.basename(path)[:-3]
    assert documentation["short_description"] and documentation["description"]
    yaml.safe_load(docs["EXAMPLES"])
    yaml.safe_load(docs["RETURN"])
