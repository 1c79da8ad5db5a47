"""The content editor in two languages: side by side, own counters, what Spanish lacks."""

from __future__ import annotations

import pytest

from lupus_sms.content.service import get_content


@pytest.fixture
def owner(browser_for):
    admin = browser_for("owner@example.org", "owner")
    admin.get("/admin/content")  # first visit puts the shipped content in the database
    return admin


def test_the_content_list_says_nothing_is_missing_in_spanish(owner):
    page = owner.get("/admin/content").text
    assert 'id="missing-es"' in page and "Nothing: every text has its es version" in page
    assert "es/messages" in page and "es/topic:risks" in page


def test_english_messages_show_spanish_beside_them_each_with_a_counter(owner):
    page = owner.get("/admin/content/edit/messages").text
    assert page.count("data-counter") == 2 * len(get_content().messages)
    assert "Su suscripcion fue cancelada" in page and "edit es/messages" in page


def test_a_spanish_topic_shows_the_english_one_beside_it(owner):
    page = owner.get("/admin/content/edit/es/topic:lupus").text
    assert "Que es el lupus" in page  # the Spanish form
    assert "What lupus is" in page and "edit topic:lupus" in page


def test_saving_spanish_messages_goes_live_and_an_emptied_text_falls_back(owner, settings):
    settings.content_review_required = False
    page = owner.get("/admin/content/edit/es/messages").text
    assert 'name="msg_help"' in page
    spanish = get_content().translations["es"].messages
    form = {f"msg_{name}": text for name, text in spanish.items()}
    form |= {"msg_empty": "", "note": "the English text for now"}
    response = owner.post(
        "/admin/content/edit/es/messages", form, page="/admin/content/edit/es/messages"
    )
    assert response.status_code in (200, 303), response.text
    content = get_content()
    assert content.missing["es"] == ("messages.empty",)
    assert content.for_language("es").text("empty") == content.text("empty")
    assert "messages.empty" in owner.get("/admin/content").text


def test_a_spanish_text_with_curly_quotes_is_refused_with_the_reason(owner):
    spanish = get_content().translations["es"].messages
    form = {f"msg_{name}": text for name, text in spanish.items()}
    form |= {"msg_empty": "Responda “MENU”.", "note": "quotes"}
    response = owner.post(
        "/admin/content/edit/es/messages", form, page="/admin/content/edit/es/messages"
    )
    assert response.status_code == 422
    assert "neither GSM-7 nor Spanish accents" in response.text
