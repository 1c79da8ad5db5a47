"""The package layers of pyproject.toml's import contract hold (`lint-imports`)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contract_is_kept():
    done = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_the_domains_are_strictly_ordered_with_no_exceptions():
    """From the top domain down, a layer is one package or siblings that import nothing of
    each other (`|`): no two domain packages may import each other."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = pyproject["tool"]["importlinter"]["contracts"]
    assert "ignore_imports" not in contract
    layers = contract["layers"]
    below_processes = layers[layers.index("lupus_sms.inbound") :]
    assert not [layer for layer in below_processes if ":" in layer]
