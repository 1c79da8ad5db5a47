"""Every public function of a domain's service module says what it does."""

from __future__ import annotations

import ast
from pathlib import Path

import lupus_sms

PACKAGE = Path(lupus_sms.__file__).parent


def test_every_public_service_function_has_a_docstring():
    missing = []
    for path in sorted(PACKAGE.glob("*/service.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and not node.name.startswith("_") and not ast.get_docstring(node):
                missing.append(f"{path.parent.name}/service.py: {node.name}")
    assert missing == []
