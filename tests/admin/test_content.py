"""Content editing through the admin: drafts, review, validation, history, restore, live."""

from __future__ import annotations

import re

import pytest

from lupus_sms.content.service import get_content


def topic_form(**overrides) -> dict:
    data = {
        "keyword": "LUPUS",
        "menu_number": "1",
        "title": "What lupus is",
        "aliases": "SLE, SYSTEMIC LUPUS",
        "part": ["Lupus is a lasting immune illness. Ask your care team about it."],
        "note": "simpler wording",
    }
    return data | overrides


def save_topic(admin, key: str = "topic:lupus", **overrides):
    admin.get("/admin/content")  # first visit puts the shipped content in the database
    return admin.post(
        f"/admin/content/edit/{key}", topic_form(**overrides), page=f"/admin/content/edit/{key}"
    )


@pytest.fixture
def editor(browser_for):
    return browser_for("editor@example.org", "editor")


@pytest.fixture
def reviewer(browser_for):
    return browser_for("reviewer@example.org", "reviewer")


def approve_latest(admin, key: str = "topic:lupus", *, seen_by=None):
    page = (seen_by or admin).get(f"/admin/content/history/{key}").text
    version_id = re.search(r"/admin/content/versions/(\d+)/approve", page).group(1)
    return admin.post(
        f"/admin/content/versions/{version_id}/approve", page=f"/admin/content/history/{key}"
    )


def test_shipped_content_is_live_as_version_one(editor):
    page = editor.get("/admin/content").text
    assert "topic:lupus" in page and "messages" in page
    assert "v1" in editor.get("/admin/content/history/topic:lupus").text


def test_an_edit_is_a_draft_until_a_second_person_approves(editor, reviewer, twilio):
    assert save_topic(editor).status_code == 303
    assert "lasting immune illness" not in twilio.sms("LUPUS").text  # still the live text
    assert "/approve" not in editor.get("/admin/content/history/topic:lupus").text
    assert approve_latest(editor, seen_by=reviewer).status_code == 403  # editors cannot review
    assert approve_latest(reviewer).status_code == 303
    reply = twilio.sms("LUPUS", from_="+12025550124").text
    assert "Lupus is a lasting immune illness" in reply
    audit = reviewer.get("/admin/audit?target=topic:lupus").text
    assert "content.draft" in audit and "content.approve" in audit


def test_nobody_approves_their_own_change(reviewer):
    save_topic(reviewer)
    response = approve_latest(reviewer)
    assert response.status_code == 403
    assert "second person" in response.text


def test_with_review_off_a_save_is_live_at_once(editor, settings):
    settings.content_review_required = False
    assert save_topic(editor).status_code == 303
    assert get_content().by_key["lupus"].parts[0].startswith("Lupus is a lasting")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aliases": "STOP"}, "STOP is a reserved word"),
        ({"keyword": "STEMCELLS"}, "already used by"),
        ({"part": ["Lupus is a disease."]}, "must point to the care team"),
        ({"part": ["word " * 80 + "care team"]}, "longer than 2 SMS segments"),
        ({"part": ["Hello {first_name}, ask your care team."]}, "no placeholders"),
        ({"menu_number": "two"}, "whole number"),
        ({"note": ""}, "add a short note"),
        ({"note": "x" * 201}, "keep it to 200"),
    ],
)
def test_saving_is_refused_with_a_clear_message(editor, overrides, message):
    response = save_topic(editor, **overrides)
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize(
    ("help_text", "said"),
    [
        ("Help for {patient_name}. Ask your care team.", "unknown placeholder"),
        ("Help {}. Call 911. Reply STOP", "a placeholder is a name"),
        ("Help {program_name. Call 911. Reply STOP", "unpaired"),
        ("{program_name}: help\x00. Call 911. Reply STOP", "control character"),
    ],
)
def test_unknown_placeholder_in_a_message_is_refused(editor, help_text, said):
    editor.get("/admin/content")
    page = editor.get("/admin/content/edit/messages").text
    fields = dict(re.findall(r'name="(msg_\w+)"[^>]*rows="3" data-analyze[^>]*>([^<]*)<', page))
    assert "msg_help" in fields
    fields = {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}
    fields["msg_help"] = help_text
    response = editor.post(
        "/admin/content/edit/messages",
        {**fields, "note": "try"},
        page="/admin/content/edit/messages",
    )
    assert response.status_code == 422
    assert said in response.text


def test_history_shows_a_diff_and_a_restore_brings_the_old_text_back(
    editor, reviewer, settings, twilio
):
    settings.content_review_required = False
    save_topic(editor)
    history = editor.get("/admin/content/history/topic:lupus").text
    assert "lasting immune illness" in history
    assert 'class="remove">' in history
    version_one = re.search(r"/admin/content/versions/(\d+)/restore", history).group(1)
    response = editor.post(
        f"/admin/content/versions/{version_one}/restore", page="/admin/content/history/topic:lupus"
    )
    assert response.status_code == 303
    assert "systemic lupus erythematosus" in twilio.sms("LUPUS").text
    assert "restore version 1" in editor.get("/admin/content/history/topic:lupus").text


def test_a_new_topic_and_deleting_it(editor, settings, twilio):
    settings.content_review_required = False
    response = save_topic(
        editor,
        "topic:fatigue",
        keyword="TIRED",
        menu_number="50",
        title="Fatigue",
        aliases="",
        part=["Rest helps. Ask your care team."],
    )
    assert response.status_code == 303
    assert "Rest helps" in twilio.sms("TIRED").text
    response = editor.post(
        "/admin/content/edit/topic:fatigue",
        {**topic_form(), "delete": "yes", "note": "not needed"},
        page="/admin/content/edit/topic:fatigue",
    )
    assert response.status_code == 303
    assert "fatigue" not in get_content().by_key


def test_the_live_counter_names_the_character_that_forces_ucs2(editor):
    token = editor.csrf("/admin/content")
    response = editor.client.post(
        "/admin/api/analyze",
        json={"texts": ["Plain text", "It’s {program_name}"]},
        headers={"X-CSRF-Token": token},
    )
    plain, curly = response.json()["results"]
    assert plain["encoding"] == "GSM-7" and plain["segments"] == 1
    assert curly["encoding"] == "UCS-2"
    assert curly["non_gsm"] == ["’ (U+2019 RIGHT SINGLE QUOTATION MARK)"]
    assert curly["preview"] == "It’s Lupus Stem Cell Info"
    no_token = editor.client.post("/admin/api/analyze", json={"texts": ["x"]})
    assert no_token.status_code == 403


def test_reading_grade_is_flagged_above_the_limit(editor):
    token = editor.csrf("/admin/content")
    hard = (
        "Autologous haematopoietic stem-cell transplantation necessitates "
        "immunoablative conditioning chemotherapy administered intravenously."
    )
    easy = "You can ask us. We will help you. Call us any day. We are here for you."
    results = editor.client.post(
        "/admin/api/analyze", json={"texts": [hard, easy]}, headers={"X-CSRF-Token": token}
    ).json()["results"]
    assert results[0]["grade_too_high"] is True and results[0]["grade"] > 12
    assert results[1]["grade_too_high"] is False
