"""The shape of the source tree: the two consoles share code through console/ and the domain
packages, never by importing each other, and shared route dependencies are defined once."""

from __future__ import annotations

import ast
import re
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


# Modules of the consoles that only translate HTTP: each change is a use case of its domain,
# which commits it with its audit entry (or rolls both back and raises the refusal).
HTTP_ONLY = ("portal/dependencies.py",)


def _translates_http_only(path: str) -> bool:
    parts = Path(path).parts
    if parts[0] not in SEPARATE_CONSOLES:
        return False
    return Path(path).name.startswith("routes_") or path in HTTP_ONLY


def test_console_routes_leave_transactions_to_the_use_cases() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = str(path.relative_to(SOURCE))
        if not _translates_http_only(relative):
            continue
        text = path.read_text()
        found += [f"{relative}: {call}" for call in (".commit(", ".rollback(") if call in text]
    assert not found, "\n".join(found)


# Route modules are named for what they serve (docs/ARCHITECTURE.md, "Naming"): `routes_*.py`
# in a console, `router.py` in a domain (its part of the clinic API, or for `inbound`, Twilio's
# webhooks); the one-module surfaces at the top are modules of their own.
ONE_MODULE_SURFACES = {
    "home.py",
    "health.py",
    "metrics.py",
}


def test_route_modules_follow_one_naming_scheme() -> None:
    misnamed = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if "APIRouter(" not in path.read_text() or str(relative) in ONE_MODULE_SURFACES:
            continue
        in_console = relative.parts[0] in SEPARATE_CONSOLES
        expected = (
            relative.name.startswith("routes_") if in_console else relative.name == "router.py"
        )
        if not expected or len(relative.parts) != 2:
            misnamed.append(str(relative))
    assert not misnamed, f"route modules outside the naming scheme: {misnamed}"


def test_statuses_are_named_by_their_enums_not_bare_strings() -> None:
    """Every status a row can be in is a StrEnum in core/statuses.py; code names the member."""
    from lupus_sms.core import statuses

    values = {
        member.value
        for enum in vars(statuses).values()
        if isinstance(enum, type) and issubclass(enum, statuses.StrEnum)
        for member in enum
    }
    pattern = re.compile(r'status\w*\s*(?:==|!=|=|\bin\b\s*\()\s*"(\w+)"')
    # Not our rows' statuses: a staff account as `clinic users` prints it, a Twilio account.
    not_ours = {"clinics/user_cli.py", "conversation/twilio_check.py"}
    bare = [
        f"{path.relative_to(SOURCE)}: {match.group(0)}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "statuses.py" and str(path.relative_to(SOURCE)) not in not_ours
        for match in pattern.finditer(path.read_text())
        if match.group(1) in values
    ]
    assert not bare, "\n".join(bare)
