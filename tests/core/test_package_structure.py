"""The shape of the source tree: the two consoles share code through console/ and the domain
packages, never by importing each other, and shared route dependencies are defined once."""

from __future__ import annotations

import ast
from pathlib import Path

import lupus_sms

SOURCE = Path(lupus_sms.__file__).parent
SHARED_DEPENDENCIES = ("ClockDep", "SettingsDep", "DbSession")
# Each console package, and the one it must never import.
SEPARATE_CONSOLES = {"admin": "portal", "portal": "admin"}


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


def _imported_modules(path: str, tree: ast.Module) -> set[str]:
    """Every module `tree` imports, at the top or inside a function, relative ones resolved."""
    package = ["lupus_sms", *Path(path).parent.parts]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_admin_and_portal_do_not_import_each_other() -> None:
    crossings = []
    for path, tree in _modules().items():
        console = Path(path).parts[0]
        other = SEPARATE_CONSOLES.get(console)
        if other is None:
            continue
        forbidden = f"lupus_sms.{other}"
        for module in _imported_modules(path, tree):
            if module == forbidden or module.startswith(f"{forbidden}."):
                crossings.append(f"{path} imports {module}")
    assert not crossings, "\n".join(sorted(crossings))
