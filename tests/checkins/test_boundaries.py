"""Check-ins are their own domain: alerts never imports them, and only the checkins package
reads the check-in document (scheduling asks it for questions)."""

from __future__ import annotations

import ast
from pathlib import Path

import lupus_sms

SOURCE = Path(lupus_sms.__file__).parent


def _imported_modules(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((SOURCE / folder).glob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
                modules.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
        found[path.name] = modules
    return found


def test_alerts_never_imports_the_checkins_package():
    offending = {
        name: sorted(m for m in modules if m.startswith("lupus_sms.checkins"))
        for name, modules in _imported_modules("alerts").items()
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_only_the_checkins_package_reads_the_checkin_document():
    readers = [
        f"{folder}/{path.name}"
        for folder in ("alerts", "scheduling", "conversation", "content")
        for path in sorted((SOURCE / folder).glob("*.py"))
        if 'documents.get("checkins")' in path.read_text()
    ]
    assert readers == []
