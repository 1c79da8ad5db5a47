"""Markup typed into content or texted by a patient is shown as text in the admin."""

from __future__ import annotations

import pytest

from tests.admin.test_content import save_topic

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def editor(browser_for):
    return browser_for("editor@example.org", "editor")


def test_script_in_a_topic_is_escaped_in_the_editor_and_history(editor):
    part = f"Lupus info {SCRIPT} <img src=x onerror=alert(2)>. Ask your care team."
    assert save_topic(editor, part=[part]).status_code == 303
    for path in ("/admin/content/history/topic:lupus", "/admin/content/edit/topic:lupus"):
        page = editor.get(path).text
        assert SCRIPT not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def test_a_patients_markup_is_escaped_on_the_dashboard(browser_for, twilio):
    twilio.sms("<b onmouseover=alert(3)>hello</b> what about my meds")
    owner = browser_for("owner@example.org", "owner")
    page = owner.get("/admin/dashboard").text
    assert "<b onmouseover" not in page
