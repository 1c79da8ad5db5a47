"""The content editor in two languages: side by side, own counters, what Spanish lacks."""

from __future__ import annotations

import re

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


def _row(page: str, base: str) -> str:
    start = page.index(f'<tr id="item-{base.replace(":", "-")}">')
    return page[start : page.index("</tr>", start)]


def test_the_content_list_titles_each_item_with_english_and_spanish_side_by_side(owner):
    page = owner.get("/admin/content").text
    assert 'lang="en">English</th><th scope="col" lang="es">Spanish (español)</th>' in page
    lupus = _row(page, "topic:lupus")
    assert '<span class="item-title">What lupus is</span>' in lupus
    assert "Que es el lupus" in lupus  # the Spanish title, in the Spanish cell
    assert lupus.index('href="/admin/content/edit/topic:lupus"') < lupus.index(
        'href="/admin/content/edit/es/topic:lupus"'
    )
    assert "Reminder plan" in _row(page, "document:plans")
    assert 'href="/admin/content/edit/es/document:plans"' in _row(page, "document:plans")
    # System messages first, then topics in menu order, then documents.
    order = re.findall(r'<tr id="item-([^"]+)">', page)
    topics = get_content().topics
    by_number = [f"topic-{t.key}" for t in sorted(topics, key=lambda t: t.menu_number)]
    assert order[0] == "messages" and order[1 : 1 + len(by_number)] == by_number
    assert all(item.startswith("document-") for item in order[1 + len(by_number) :])


@pytest.mark.parametrize("key", ["topic:lupus", "es/topic:lupus", "messages", "es/messages"])
def test_the_editor_shows_english_then_spanish_each_labelled(owner, key):
    page = owner.get(f"/admin/content/edit/{key}").text
    english = page.index('data-lang="en"')
    spanish = page.index('data-lang="es"')
    assert english < spanish  # English on the left, whichever is edited
    if key.startswith("topic") or key.startswith("es/topic"):
        assert '<h2 id="column-en">English' in page and '<h2 id="column-es">Spanish' in page
    else:
        assert (
            page.count('<p class="language-label">English</p>')
            == page.count('<p class="language-label">Spanish (español)</p>')
            > 5
        )
    editing = "es" if key.startswith("es/") else "en"
    editable = re.findall(r'<textarea name="(?:part|msg_\w+)"[^>]*data-lang="(\w+)"', page)
    assert editable and set(editable) == {editing}
    assert "Fernández-Huerta reading ease" in page  # the Spanish counters' measure


def test_spanish_texts_get_a_spanish_readability_measure(owner):
    token = owner.csrf("/admin/content/edit/es/messages")
    easy = "El lupus es una enfermedad larga. No se pega. Hable con su equipo de salud."
    hard = (
        "La inmunoablacion hematopoyetica autologa constituye una intervencion terapeutica "
        "experimental extraordinariamente compleja cuyos riesgos considerables requieren "
        "evaluacion multidisciplinaria pormenorizada."
    )
    response = owner.client.post(
        "/admin/api/analyze",
        json={"texts": [easy, hard, hard], "languages": ["es", "es", "en"]},
        headers={"X-CSRF-Token": token},
    )
    easy_es, hard_es, hard_en = response.json()["results"]
    assert easy_es["readability_measure"] == "Fernández-Huerta reading ease"
    assert easy_es["readability"] > 80 and not easy_es["too_hard"]
    assert easy_es["grade"] is None  # no English grade for a Spanish text
    assert hard_es["readability"] < 60 and hard_es["too_hard"]
    assert hard_es["readability_band"] in ("difficult", "very difficult")
    assert hard_en["readability_measure"] == "reading grade" and hard_en["grade"] > 12
