"""A first text from a number with no language: Spanish-looking texts are answered in Spanish."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.content.service import get_content
from lupus_sms.messaging.models import PhoneNumber
from tests.helpers import reply_text

PHONE = "+12025550191"


def language(db) -> str:
    db.expire_all()
    return db.scalar(select(PhoneNumber.language).where(PhoneNumber.e164 == PHONE))


@pytest.mark.parametrize(
    "body", ["hola", "Hola!", "informacion", "Información", "ayuda por favor", "que es esto?"]
)
def test_a_spanish_looking_first_text_gets_the_spanish_hint(twilio, db, body):
    reply = reply_text(twilio.sms(body, from_=PHONE))
    assert reply == get_content().for_language("es").text("unknown_hint")
    assert language(db) == "es"
    assert "Temas de" in reply_text(twilio.sms("MENU", from_=PHONE))  # and later texts too


@pytest.mark.parametrize("body", ["hello", "I need info", "no", "ok", "what is this?"])
def test_other_first_texts_get_the_english_hint(twilio, db, body):
    reply = reply_text(twilio.sms(body, from_=PHONE))
    assert reply == get_content().text("unknown_hint")
    assert language(db) == ""


def test_a_number_that_chose_english_keeps_it(twilio, db):
    twilio.sms("ENGLISH", from_=PHONE)
    assert reply_text(twilio.sms("hola", from_=PHONE)) == get_content().text("unknown_hint")
    assert language(db) == "en"
