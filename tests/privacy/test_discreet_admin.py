"""The admin editor of the discreet texts: the lock-screen preview, a listed word refused
on save, and the word list reviewed as clinical protocol text."""

from __future__ import annotations

import html
from urllib.parse import unquote

import pytest

from lupus_sms.core.config import get_settings
from tests.admin.conftest import *  # noqa: F403  (signed-in admin clients)

DISCREET = (get_settings().content_dir / "discreet.yaml").read_text(encoding="utf-8")
WORDS = (get_settings().content_dir / "discreet_words.yaml").read_text(encoding="utf-8")


@pytest.fixture
def editor(browser_for, settings):
    settings.content_review_required = False
    return browser_for("editor@example.org", "editor")


def _save(admin, key: str, body: str):
    admin.get("/admin/content")
    page = f"/admin/content/edit/{key}"
    return admin.post(page, {"body": body, "note": "wording"}, page=page)


def test_the_editor_shows_each_discreet_text_as_a_lock_screen_would(editor):
    page = html.unescape(editor.get("/admin/content/edit/document:discreet").text)
    assert 'class="lock-screen"' in page and 'data-path="plans.ahsct_collection_eve"' in page
    assert "Riverside Health: Hi Alex, a reminder that your visit is tomorrow." in page
    spanish = html.unescape(editor.get("/admin/content/edit/es/document:discreet").text)
    assert 'data-path="plans.ahsct_collection_eve"' in spanish and "mañana" in spanish
    # Dates and times as a Spanish reader gets them, with one full stop after "a.m.".
    assert "el mar 10 mar a las 9:30 a.m. " in spanish and "a.m.." not in spanish
    assert "Tue Mar 10" not in spanish and "on Tue Mar 10 at 9:30 AM" in page
    assert 'class="lock-screen"' not in editor.get("/admin/content/edit/document:plans").text


def test_saving_a_discreet_text_with_a_listed_word_is_refused(editor):
    body = DISCREET.replace("a reminder that your visit is tomorrow", "your apheresis is tomorrow")
    response = _save(editor, "document:discreet", body)
    assert response.status_code == 422
    assert "a discreet text must not say apheresis" in html.unescape(response.text)


def test_a_change_to_the_word_list_waits_for_a_second_person(editor):
    response = _save(
        editor, "document:discreet_words", WORDS.replace("  - chemo*\n", "  - chemo*\n  - biopsy\n")
    )
    assert response.status_code == 303
    assert (
        unquote(response.headers["location"].split("state=")[-1]) == "saved as a draft for review"
    )
