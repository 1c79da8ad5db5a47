"""Every opt-out, opt-in and help word of both languages, with Advanced Opt-Out (Twilio sends
OptOutType) and without it (Twilio knows only its English defaults): who blocks, who
unblocks, and who confirms, exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.conversation.compliance import (
    ENGLISH_OPT_OUT_WORDS,
    OPT_IN_WORDS,
    SPANISH_HELP_WORDS,
    SPANISH_OPT_OUT_WORDS,
    TWILIO_DEFAULT_WORDS,
)
from lupus_sms.enrollment.models import ConsentEvent
from lupus_sms.messaging.models import PhoneNumber
from tests.factories import auth_headers, make_clinic, make_patient
from tests.helpers import discreet_content, reply_text

PHONE = "+12025550161"
WITH_AOO = {"OptOutType": "STOP"}
OPT_OUT_WORDS = sorted(ENGLISH_OPT_OUT_WORDS | SPANISH_OPT_OUT_WORDS)


def number(db) -> PhoneNumber:
    db.expire_all()
    return db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PHONE))


def text(twilio, body: str, opt_out_type: str | None = None) -> str:
    extra = {"OptOutType": opt_out_type} if opt_out_type else {}
    return reply_text(twilio.sms(body, from_=PHONE, **extra))


@pytest.mark.parametrize("advanced_opt_out", [True, False], ids=["aoo", "no-aoo"])
@pytest.mark.parametrize("word", OPT_OUT_WORDS)
def test_every_opt_out_word(twilio, db, word, advanced_opt_out):
    spanish = word in SPANISH_OPT_OUT_WORDS
    reply = text(twilio, word.lower(), "STOP" if advanced_opt_out else None)
    twilio_took = advanced_opt_out or not spanish
    assert number(db).opted_out
    # Twilio blocks (and confirms) what it takes; a Spanish word it did not know is ours.
    assert (number(db).carrier_blocked_at is not None) == twilio_took
    spanish = discreet_content().for_language("es")
    expected = "" if twilio_took else spanish.text("opt_out_confirmation")
    assert reply == expected
    assert text(twilio, "HELP") == ""  # HELP after STOP: only Twilio's own answer can arrive


@pytest.mark.parametrize("advanced_opt_out", [True, False], ids=["aoo", "no-aoo"])
@pytest.mark.parametrize("word", sorted(OPT_IN_WORDS))
def test_every_opt_in_word_after_a_stop_twilio_took(twilio, db, word, advanced_opt_out):
    text(twilio, "STOP")  # Twilio's own word: Twilio blocks the number
    assert number(db).carrier_blocked_at is not None
    reply = text(twilio, word, "START" if advanced_opt_out else None)
    twilio_took = advanced_opt_out or word in TWILIO_DEFAULT_WORDS["START"]
    assert not number(db).opted_out  # the patient's wish is recorded either way
    if twilio_took:
        assert number(db).carrier_blocked_at is None and reply == ""  # Twilio confirms
    else:
        # Twilio did not take it: still blocked, and only our confirmation can try to arrive.
        assert number(db).carrier_blocked_at is not None
        assert reply == discreet_content().for_language("es").text("opt_in_confirmation")


@pytest.mark.parametrize("advanced_opt_out", [True, False], ids=["aoo", "no-aoo"])
@pytest.mark.parametrize("word", sorted(OPT_IN_WORDS))
def test_every_opt_in_word_after_a_stop_only_we_took(twilio, db, word, advanced_opt_out):
    text(twilio, "PARAR")  # no Advanced Opt-Out: Twilio neither blocked nor confirmed
    assert number(db).opted_out and number(db).carrier_blocked_at is None
    reply = text(twilio, word, "START" if advanced_opt_out else None)
    twilio_took = advanced_opt_out or word in TWILIO_DEFAULT_WORDS["START"]
    assert not number(db).opted_out and number(db).carrier_blocked_at is None
    spanish = discreet_content().for_language("es").text("opt_in_confirmation")
    assert reply == ("" if twilio_took else spanish)  # exactly one confirmation in all


@pytest.mark.parametrize("advanced_opt_out", [True, False], ids=["aoo", "no-aoo"])
@pytest.mark.parametrize("word", ["HELP", "INFO", *sorted(SPANISH_HELP_WORDS)])
def test_every_help_word_gets_our_help_text(twilio, word, advanced_opt_out):
    language = "es" if word in SPANISH_HELP_WORDS else "en"
    reply = text(twilio, word.lower(), "HELP" if advanced_opt_out else None)
    assert reply == discreet_content().for_language(language).text("help")


def test_comenzar_without_advanced_opt_out_shows_the_clinic_why(client, twilio, db):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic, phone=PHONE)
    text(twilio, "STOP")
    text(twilio, "COMENZAR")
    client.headers.update(auth_headers(db, clinic))
    shown = client.get(f"/api/v1/patients/{patient.id}").json()
    assert shown["status"] == "active" and shown["carrier_blocked_since"] is not None
    events = client.get(f"/api/v1/patients/{patient.id}/consent-events").json()["items"]
    opted_in = next(e for e in events if e["kind"] == "opted_in")
    assert "COMENZAR" in opted_in["note"] and "START" in opted_in["note"]
    text(twilio, "START")  # Twilio's word lifts Twilio's block
    assert client.get(f"/api/v1/patients/{patient.id}").json()["carrier_blocked_since"] is None
    kinds = db.scalars(select(ConsentEvent.kind).order_by(ConsentEvent.id)).all()
    assert kinds == ["opted_out", "opted_in"]  # START changed nothing more with us
