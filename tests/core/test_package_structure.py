"""The shape of the source tree: shared route dependencies defined in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

import lupus_sms

SOURCE = Path(lupus_sms.__file__).parent
SHARED_DEPENDENCIES = ("ClockDep", "SettingsDep", "DbSession")


def _modules() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(SOURCE)): ast.parse(path.read_text(), filename=str(path))
        for path in sorted(SOURCE.rglob("*.py"))
    }


def _assigned_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def test_shared_dependencies_are_defined_once() -> None:
    modules = _modules()
    for name in SHARED_DEPENDENCIES:
        defining = [path for path, tree in modules.items() if name in _assigned_names(tree)]
        assert len(defining) == 1, f"{name} is defined in {defining}"
