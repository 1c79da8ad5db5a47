"""The safety net: every text from an enrolled patient that is not a keyword, a check-in
answer or a red flag gets the way to a person (24/7 line, 911, 988) in two segments at most,
in the patient's language; symptom-like words make the clinic's item high priority."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.content.segments import analyze
from tests.alerts.conftest import PATIENT_PHONE, send_checkin
from tests.helpers import reply_text


def _reviews(db) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).where(Alert.kind == "needs_review").order_by(Alert.id)))


@pytest.mark.parametrize(
    "text",
    [
        "is the treatment covered by insurance?",
        "can I drive after the transplant?",
        "",  # a photo alone
        "?",
        "👍",
    ],
)
def test_an_unanswerable_text_gets_the_safety_net(twilio, db, patient, text):
    reply = reply_text(twilio.sms(text, from_=PATIENT_PHONE))
    assert "(617) 555-0199" in reply and "911" in reply and "988" in reply
    assert analyze(reply).segments <= 2
    [review] = _reviews(db)
    assert (review.severity, review.priority) == ("routine", "low")


def test_the_safety_net_speaks_the_patients_language(twilio, db, patient):
    patient.phone_number.language = "es"
    reply = reply_text(twilio.sms("cuando es mi cita?", from_=PATIENT_PHONE))
    assert "Emergencia: 911" in reply and "988" in reply and "(617) 555-0199" in reply


@pytest.mark.parametrize(
    "text",
    [
        "my back hurts",
        "i feel awful today",
        "something is wrong",
        "estoy en el hospital",
        "me siento muy triste y sola",  # low mood: a person reads it soon
        "😭😭😭",
    ],
)
def test_symptom_like_words_open_a_high_priority_item_renotified_like_a_red_flag(
    twilio, db, patient, clock, tick, text
):
    reply = reply_text(twilio.sms(text, from_=PATIENT_PHONE))
    assert "988" in reply
    [review] = _reviews(db)
    assert (review.severity, review.priority, review.expires_at) == ("high", "high", None)
    first = review.notify_count
    tick(clock.now() + timedelta(minutes=31))
    assert _reviews(db)[0].notify_count == first + 1


def test_a_routine_item_is_not_renotified(twilio, db, patient, clock, tick):
    twilio.sms("can I drive after the transplant?", from_=PATIENT_PHONE)
    tick(clock.now() + timedelta(minutes=31))
    assert _reviews(db)[0].notify_count == 1


def test_an_unclear_check_in_answer_also_gets_the_way_to_a_person(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    reply = reply_text(twilio.sms("7", from_=PATIENT_PHONE))
    assert "(617) 555-0199" in reply and "911" in reply and "988" in reply
    assert analyze(reply).segments <= 2
