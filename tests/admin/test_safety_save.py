"""Saving safety content in the admin re-runs the held-out evaluation and refuses a change
that drops recall, self-harm recall or false alarms below the bar."""

from __future__ import annotations

import pytest
import yaml

from lupus_sms.core.config import get_settings

KEY = "document:safety"


@pytest.fixture
def owner(browser_for):
    return browser_for("owner@example.org", "owner")


def _save(admin, document: dict):
    admin.get("/admin/content")  # the shipped content goes into the database first
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    page = f"/admin/content/edit/{KEY}"
    return admin.post(page, {"body": body, "note": "trying a change"}, page=page)


def _shipped() -> dict:
    path = get_settings().content_dir / "safety.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_change_that_misses_self_harm_is_refused_with_the_figures(owner):
    document = _shipped()
    document["red_flags"]["self_harm"]["terms"] = ["suicide", "kill myself", "suicidio",
                                                     "matarme", "quiero morir"]  # fmt: skip
    document["red_flags"]["self_harm"]["near"] = []
    response = _save(owner, document)
    assert response.status_code == 422
    assert "held-out evaluation: self-harm recall" in response.text
    assert "is below 100%" in response.text


def test_a_change_that_alarms_on_everyday_words_is_refused(owner):
    document = _shipped()
    document["red_flags"]["neurological"]["terms"] += ["today", "hoy", "the", "la"]
    response = _save(owner, document)
    assert response.status_code == 422
    assert "held-out evaluation: false alarms" in response.text


def test_a_careful_extension_is_saved_as_a_draft(owner):
    document = _shipped()
    document["red_flags"]["fever"]["terms"].append("temperatura alta")
    assert _save(owner, document).status_code == 303
