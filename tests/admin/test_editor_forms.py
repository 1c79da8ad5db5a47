"""Editor forms: a "New topic" form, typed text kept on a refused save, clear menu errors."""

from __future__ import annotations

import html

import pytest

from tests.admin.test_content import save_topic


@pytest.fixture
def editor(browser_for):
    admin = browser_for("editor@example.org", "editor")
    admin.get("/admin/content")  # the shipped content, in the database
    return admin


def test_the_content_list_has_a_new_topic_form(editor):
    page = editor.get("/admin/content").text
    assert 'action="/admin/content/new"' in page and 'id="new-topic-key"' in page


def test_new_topic_opens_an_empty_editor_for_the_key(editor):
    response = editor.get("/admin/content/new?key=Joint Pain", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/content/edit/topic:joint_pain"
    page = editor.get(response.headers["location"]).text
    assert "New topic joint_pain" in page


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "small letters, digits and _"), ("fatigue!", "small letters"), ("lupus", "already")],
)
def test_new_topic_refuses_a_bad_or_used_key(editor, key, message):
    response = editor.get(f"/admin/content/new?key={key}", follow_redirects=False)
    assert response.status_code == 422
    assert message in response.text
    assert "topic:lupus" in response.text  # the list is still there


def test_a_refused_topic_save_keeps_everything_typed(editor):
    typed = {
        "keyword": "LUPUS",
        "menu_number": "1",
        "title": "What lupus is, newly",
        "aliases": "SLE, WOLF",
        "part": ["First part, carefully rewritten. Ask your care team.", "Second part."],
        "note": "my careful note",
    }
    response = save_topic(
        editor, keyword="STEMCELLS", **{k: v for k, v in typed.items() if k != "keyword"}
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "already used by" in page
    assert 'value="STEMCELLS"' in page
    assert 'value="What lupus is, newly"' in page and 'value="SLE, WOLF"' in page
    assert "First part, carefully rewritten." in page and "Second part." in page
    assert 'value="my careful note"' in page


def test_a_menu_number_that_is_not_a_number_is_named_and_the_text_kept(editor):
    part = "My new wording of the lupus topic. Ask your care team."
    response = save_topic(editor, menu_number="seven", part=[part])
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Menu number must be a whole number from 1 to 99, like 7 (you typed 'seven')" in page
    assert 'value="seven"' in page and part in page


def test_an_empty_menu_number_is_named(editor):
    response = save_topic(editor, menu_number="")
    assert response.status_code == 422
    assert "it is empty" in response.text


def test_a_refused_messages_save_keeps_the_typed_texts(editor):
    page = editor.get("/admin/content/edit/messages").text
    assert 'name="msg_help"' in page
    response = editor.post(
        "/admin/content/edit/messages",
        {"msg_help": "Help for {patient_name}. Ask your care team.", "note": "try"},
        page="/admin/content/edit/messages",
    )
    assert response.status_code == 422
    assert "Help for {patient_name}. Ask your care team." in html.unescape(response.text)
