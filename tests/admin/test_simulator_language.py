"""The simulator's language picker: Spanish replies on demand, the stored number untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lupus_sms.messaging.models import Message, PhoneNumber

NEW_PHONE = "+12025550178"
KNOWN_PHONE = "+12025550179"
SPANISH_MENU = "Temas de"
SPANISH_RISKS = "Los tratamientos con celulas madre"
ENGLISH_RISKS = "Stem-cell treatments are strong"


@pytest.fixture
def editor(browser_for):
    return browser_for("editor@example.org", "editor")


def simulate(admin, body: str, *, language: str | None, phone: str = NEW_PHONE):
    data = {"phone": phone, "body": body, "drafts": "on"}
    if language is not None:
        data["language"] = language
    return admin.post("/admin/simulator", data, page="/admin/simulator")


def stored_language(db, phone: str) -> str | None:
    db.expire_all()
    return db.scalar(select(PhoneNumber.language).where(PhoneNumber.e164 == phone))


def test_the_form_offers_english_and_spanish(editor):
    page = editor.get("/admin/simulator").text
    assert 'name="language"' in page
    assert '<option value="en">English</option>' in page
    assert '<option value="es">Español</option>' in page


def test_spanish_chosen_shows_the_spanish_menu_and_topic_and_stores_nothing(editor, db):
    before = db.scalar(select(func.count()).select_from(Message))
    menu = simulate(editor, "MENU", language="es")
    assert menu.status_code == 200
    assert SPANISH_MENU in menu.text and "topics:" not in menu.text
    assert '<option value="es" selected>' in menu.text  # the choice stays for the next text
    risks = simulate(editor, "RIESGOS", language="es")
    assert SPANISH_RISKS in risks.text
    assert db.scalar(select(func.count()).select_from(Message)) == before
    assert stored_language(db, NEW_PHONE) is None  # not even created


def test_a_known_numbers_language_is_left_as_it_was(editor, twilio, db):
    twilio.sms("ENGLISH", from_=KNOWN_PHONE)  # the patient chose English
    assert stored_language(db, KNOWN_PHONE) == "en"
    spanish = simulate(editor, "RIESGOS", language="es", phone=KNOWN_PHONE)
    assert SPANISH_RISKS in spanish.text
    switch = simulate(editor, "ESPANOL", language="en", phone=KNOWN_PHONE)
    assert "en español" in switch.text  # the switch runs, inside the sandbox only
    assert stored_language(db, KNOWN_PHONE) == "en"
    assert "Care Texts topics:" in twilio.sms("MENU", from_=KNOWN_PHONE).text  # discreet


def test_english_chosen_answers_a_spanish_number_in_english(editor, twilio, db):
    twilio.sms("ESPANOL", from_=KNOWN_PHONE)
    assert stored_language(db, KNOWN_PHONE) == "es"
    assert ENGLISH_RISKS in simulate(editor, "RISKS", language="en", phone=KNOWN_PHONE).text
    assert stored_language(db, KNOWN_PHONE) == "es"


def test_without_a_choice_the_number_answers_in_its_own_language(editor, twilio, db):
    twilio.sms("ESPANOL", from_=KNOWN_PHONE)
    assert SPANISH_RISKS in simulate(editor, "RISKS", language="", phone=KNOWN_PHONE).text
    assert SPANISH_RISKS in simulate(editor, "RISKS", language=None, phone=KNOWN_PHONE).text
    assert ENGLISH_RISKS in simulate(editor, "RISKS", language=None).text  # a new number


def test_an_unknown_language_is_refused_with_a_reason(editor, db):
    response = simulate(editor, "MENU", language="fr")
    assert response.status_code == 422
    assert "choose English or Español" in response.text
    assert stored_language(db, NEW_PHONE) is None
