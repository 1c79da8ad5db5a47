"""STOP / START / HELP as carriers require, and clear wishes to stop in longer texts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.content.discreet import DISCREET, for_privacy
from lupus_sms.content.loader import load_content_dir
from lupus_sms.core.config import get_settings
from lupus_sms.enrollment.models import ConsentEvent, Patient
from lupus_sms.messaging.models import Message, PhoneNumber
from tests.factories import make_clinic, make_patient
from tests.helpers import reply_text

# What a number at the default (discreet) privacy level gets (content/discreet.py).
SHIPPED = for_privacy(load_content_dir(get_settings().content_dir), DISCREET)
NUMBER = "+12025550147"


def phone_row(db, e164=NUMBER) -> PhoneNumber:
    return db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        "StopAll",
        "UNSUBSCRIBE",
        "cancel",
        "END",
        "quit",
        "REVOKE",
        "OPTOUT",
        " stop. ",
    ],
)
def test_opt_out_words_block_the_number(twilio, db, word):
    response = twilio.sms(word, from_=NUMBER)
    # Twilio confirms STOP itself unless Advanced Opt-Out is set up: no second answer from us.
    assert reply_text(response) == ""
    assert phone_row(db).opted_out


def test_stop_then_keyword_gets_nothing_then_start_lifts_the_block(twilio, db):
    twilio.sms("STOP", from_=NUMBER)
    assert reply_text(twilio.sms("AHSCT", from_=NUMBER)) == ""
    assert reply_text(twilio.sms("HELP", from_=NUMBER)) == ""
    twilio.sms("START", from_=NUMBER)
    assert not phone_row(db).opted_out
    assert "aHSCT" in reply_text(twilio.sms("AHSCT", from_=NUMBER))
    inbound = db.scalars(
        select(Message).where(Message.direction == "inbound", Message.phone == NUMBER)
    ).all()
    assert len(inbound) == 5  # everything a patient sends is stored, blocked or not


def test_opt_out_is_per_number_across_clinics(twilio, db):
    first, second = make_clinic(db), make_clinic(db, name="Harbor Transplant Center")
    make_patient(db, first, phone=NUMBER)
    make_patient(db, second, phone=NUMBER, status="pending_consent")
    twilio.sms("STOP", from_=NUMBER)
    statuses = db.scalars(select(Patient.status)).all()
    assert statuses == ["opted_out", "opted_out"]
    events = db.scalars(select(ConsentEvent.kind)).all()
    assert events == ["opted_out", "opted_out"]


def test_start_reactivates_opted_out_enrolments(twilio, db):
    clinic = make_clinic(db)
    make_patient(db, clinic, phone=NUMBER)
    twilio.sms("STOP", from_=NUMBER)
    twilio.sms("UNSTOP", from_=NUMBER)
    assert db.scalar(select(Patient.status)) == "active"


@pytest.mark.parametrize(
    ("word", "opt_out_type", "ours"),
    [("START", None, False), ("UNSTOP", "START", False), ("COMENZAR", None, True)],
)
def test_start_after_stop_is_confirmed_once_by_whoever_took_the_word(
    twilio, db, word, opt_out_type, ours
):
    make_patient(db, make_clinic(db), phone=NUMBER)
    twilio.sms("STOP", from_=NUMBER)
    extra = {"OptOutType": opt_out_type} if opt_out_type else {}
    reply = reply_text(twilio.sms(word, from_=NUMBER, **extra))
    assert db.scalar(select(Patient.status)) == "active"
    assert (reply != "") is ours  # Twilio confirms the words it took itself


def test_help_is_always_answered_with_our_text(twilio):
    text = reply_text(twilio.sms("help"))
    assert text == SHIPPED.text("help")
    for required in (
        "Care Texts",  # the discreet program name: a new number is discreet
        "care team",
        "911",
        "STOP",
        "Msg&data rates may apply",
    ):
        assert required in text
    assert reply_text(twilio.sms("INFO")) == text


@pytest.mark.parametrize(
    "body",
    [
        "please stop texting me",
        "Opt out",
        "unsubscribe me",
        "No more messages please",
        "Stop sending me these texts",
        "I don't want any more texts",
        "take me off this list",
        "STOP PLEASE",
        "how do I stop getting these",
        "S T O P",
        "s.t.o.p",
        "S-T-O-P",
        "sto p",
    ],
)
def test_clear_wishes_to_stop_opt_out_with_one_confirmation(twilio, db, body):
    assert reply_text(twilio.sms(body, from_=NUMBER)) == SHIPPED.text("opt_out_confirmation")
    assert phone_row(db).opted_out
    assert reply_text(twilio.sms("please stop texting me", from_=NUMBER)) == ""


@pytest.mark.parametrize(
    "body",
    [
        "stop the pain",
        "when can I stop prednisone",
        "Can the risks be stopped?",
        "I had to stop working",
        "end of treatment questions",
        "how do I find a provider",
    ],
)
def test_texts_that_merely_contain_the_word_are_not_opt_outs(twilio, db, body):
    assert reply_text(twilio.sms(body, from_=NUMBER)) != ""
    assert not phone_row(db).opted_out


@pytest.mark.parametrize(
    "body",
    [
        "no quiero mas mensajes",
        "ya no quiero recibir mensajes",
        "ya no quiero los recordatorios",
        "ya no quiero seguir recibiendo textos",
        "ya no me manden nada por favor",
        "dejen de escribirme",
        "ya basta de mensajes",
    ],
)
def test_clear_wishes_to_stop_in_spanish_opt_out_and_are_confirmed_in_spanish(twilio, db, body):
    reply = reply_text(twilio.sms(body, from_=NUMBER))
    assert reply == SHIPPED.for_language("es").text("opt_out_confirmation")
    assert phone_row(db).opted_out


@pytest.mark.parametrize(
    "body", ["no quiero mas dolor", "ya no quiero la prednisona", "dejen de llamar al doctor"]
)
def test_spanish_texts_that_are_not_wishes_to_stop_do_not_opt_out(twilio, db, body):
    assert reply_text(twilio.sms(body, from_=NUMBER)) != ""
    assert not phone_row(db).opted_out


def test_twilio_opt_out_type_is_the_source_of_truth(twilio, db):
    # With Advanced Opt-Out a custom keyword ("ARRET") arrives with OptOutType=STOP.
    twilio.sms("ARRET", from_=NUMBER, OptOutType="STOP")
    assert phone_row(db).opted_out
    twilio.sms("ALLEZ", from_=NUMBER, OptOutType="START")
    assert not phone_row(db).opted_out


def test_replies_to_stop_and_start_when_configured(app, twilio, settings):
    settings.reply_to_opt_out_words = True
    assert reply_text(twilio.sms("STOP", from_=NUMBER)) == SHIPPED.text("opt_out_confirmation")
    assert reply_text(twilio.sms("START", from_=NUMBER)) == SHIPPED.text("opt_in_confirmation")
