"""The red-flag evaluation sets: the held-out set is frozen, and both sets are big and hard.

The held-out set measures the rules on words they were not tuned to. Editing it to make a rule
pass would make every figure it gives meaningless, so its hash is pinned here: extend it only
by appending new texts in a commit of their own, before the rule change they test.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
import yaml

SETS = Path(__file__).resolve().parents[2] / "src" / "lupus_sms" / "alerts" / "eval_sets"
FROZEN = {
    "heldout": "3ba17bb31a34741de5bc4b77435a0f37a507fbe1261ed80d20edd6020a973731",
    "heldout_b": "13c2bbda230885ca758b2f4b673cb9ddd6975f5c11ddac154f39c06419c29d8f",
}
CATEGORIES = {
    "fever", "breathing", "chest_pain", "bleeding", "neurological", "allergic_reaction",
    "blood_clot", "central_line", "dehydration", "severe_pain", "emergency", "self_harm",
}  # fmt: skip
HARD_NEGATIVES = {
    "negated", "resolved", "pet", "media", "general_question", "logistics", "other_person",
}  # fmt: skip


def _load(name: str) -> list[dict]:
    return yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_the_held_out_sets_are_frozen(name):
    digest = hashlib.sha256((SETS / f"{name}.yaml").read_bytes()).hexdigest()
    assert digest == FROZEN[name], f"{name}.yaml changed: see its header before touching it"


@pytest.mark.parametrize("name", ["heldout", "heldout_b", "development"])
def test_each_set_is_well_formed(name):
    cases = _load(name)
    assert len({case["id"] for case in cases}) == len(cases)
    for case in cases:
        assert set(case["expect"]) <= CATEGORIES, case["id"]
        assert case["lang"] in ("en", "es") and case["writer"] in ("patient", "carer")
        assert (case["kind"] == "alert") == bool(case["expect"]), case["id"]
        assert case["kind"] in HARD_NEGATIVES | {"alert", "everyday"}, case["id"]


def test_the_sets_are_large_spanish_and_written_by_carers_too():
    cases = _load("heldout") + _load("development")
    assert len(cases) >= 600
    assert sum(case["lang"] == "es" for case in cases) >= len(cases) / 3
    assert sum(case["writer"] == "carer" for case in cases) >= len(cases) / 5


@pytest.mark.parametrize("name", ["heldout", "development"])
def test_every_category_and_language_has_enough_alerts_and_hard_negatives(name):
    cases = _load(name)
    alerts = Counter((category, c["lang"]) for c in cases for category in c["expect"])
    for category in CATEGORIES:
        least = 40 if category == "self_harm" else 20
        for language in ("en", "es"):
            assert alerts[(category, language)] >= least, (category, language)
    safe = [case for case in cases if not case["expect"]]
    assert sum(case["kind"] in HARD_NEGATIVES for case in safe) >= 0.4 * len(safe)
