"""Clinical protocol text: a change to it needs a second person's approval even with review
off, and the editor shows each protocol line with who approved its wording."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest

from lupus_sms.core.config import get_settings

PLANS = (get_settings().content_dir / "plans.yaml").read_text(encoding="utf-8")
ES_PLANS = (get_settings().content_dir / "es" / "plans.yaml").read_text(encoding="utf-8")
PROTOCOL_LINE = "After treatment, infections are the main risk."
PLAIN_LINE = "Follow the instructions your care team gave you."


@pytest.fixture
def editor(browser_for, settings):
    settings.content_review_required = False  # only protocol text and safety need review
    return browser_for("editor@example.org", "editor")


@pytest.fixture
def reviewer(browser_for):
    return browser_for("reviewer@example.org", "reviewer")


def save(admin, key: str, body: str, note: str = "wording"):
    admin.get("/admin/content")
    page = f"/admin/content/edit/{key}"
    return admin.post(page, {"body": body, "note": note}, page=page)


def state_after(response) -> str:
    return unquote(response.headers["location"].split("state=")[-1])


def test_rewording_a_protocol_line_is_a_draft_for_a_second_person(editor, reviewer, twilio):
    body = PLANS.replace(PROTOCOL_LINE, "After treatment, infection is the biggest risk.")
    response = save(editor, "document:plans", body)
    assert response.status_code == 303
    assert state_after(response) == "saved as a draft for review"
    page = reviewer.get("/admin/content/history/document:plans").text
    version_id = re.search(r"/admin/content/versions/(\d+)/approve", page).group(1)
    approved = reviewer.post(
        f"/admin/content/versions/{version_id}/approve",
        page="/admin/content/history/document:plans",
    )
    assert approved.status_code == 303
    editor_page = html.unescape(editor.get("/admin/content/edit/document:plans").text)
    row = re.search(r"<tr><td><code>plans.ahsct_day1</code></td>.*?</tr>", editor_page, re.S)
    assert "infection is the biggest risk" in row.group(0)
    assert "reviewer@example.org" in row.group(0)


def test_a_line_that_is_not_protocol_goes_live_at_once(editor):
    body = PLANS.replace(PLAIN_LINE, "Follow what your care team told you to do.")
    assert state_after(save(editor, "document:plans", body)) == "live now"


def test_unmarking_a_protocol_line_is_a_draft(editor):
    body = PLANS.replace("    protocol: true\n", "", 1)
    assert state_after(save(editor, "document:plans", body)) == "saved as a draft for review"


def test_the_spanish_text_of_a_protocol_step_needs_the_same_approval(editor):
    line = "Tras el tratamiento, las infecciones son el mayor riesgo."
    assert line in ES_PLANS
    body = ES_PLANS.replace(line, "Tras el tratamiento, el mayor riesgo son las infecciones.")
    response = save(editor, "es/document:plans", body)
    assert state_after(response) == "saved as a draft for review"


def test_the_editor_lists_protocol_lines_with_their_approval_and_sizes(editor):
    editor.get("/admin/content")
    page = html.unescape(editor.get("/admin/content/edit/document:plans").text)
    assert "Clinical protocol text" in page
    for step in ("ahsct_discharge_day", "ahsct_day1", "ahsct_day7", "ahsct_day21"):
        assert f"<code>plans.{step}</code>" in page
    assert "shipped content, reviewed with the code" in page
    assert "If a clinic keeps accents" in page and "UCS-2" in page
    assert "of 2 allowed" in page  # the reminder limit, from the one table
    checkins = html.unescape(editor.get("/admin/content/edit/document:checkins").text)
    assert "<code>checkins.temperature.question</code>" in checkins


def test_message_and_topic_editors_carry_the_limit_of_the_table(editor):
    editor.get("/admin/content")
    messages = editor.get("/admin/content/edit/messages").text
    assert 'name="msg_help" data-limit="2"' in messages
    assert 'name="msg_menu"' in messages and 'name="msg_menu" data-limit="2"' not in messages
    topic = editor.get("/admin/content/edit/topic:lupus").text
    assert 'name="part" data-limit="2"' in topic


def test_the_spanish_safety_replies_always_need_a_second_person_too(editor):
    safety = (get_settings().content_dir / "es" / "safety.yaml").read_text(encoding="utf-8")
    body = safety.replace("Avisamos a su clinica.", "Le avisamos a su clinica.", 1)
    assert body != safety
    assert state_after(save(editor, "es/document:safety", body)) == "saved as a draft for review"


@pytest.mark.parametrize("night", ["23:00", "05:30", "20:00"])
def test_a_plan_step_sent_at_night_is_refused_naming_the_allowed_hours(editor, night):
    assert 'send_at: "10:00"' in PLANS
    body = PLANS.replace('send_at: "10:00"', f'send_at: "{night}"', 1)
    response = save(editor, "document:plans", body)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert f"{night} is at night" in page and "between 08:00 and 20:00" in page
