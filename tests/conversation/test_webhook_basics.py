"""The inbound webhook through HTTP, signed as Twilio signs it."""

from __future__ import annotations

from sqlalchemy import func, select

from lupus_sms.messaging.models import Message


def test_topic_keyword_gets_first_part_as_twiml(twilio):
    response = twilio.sms("AHSCT")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "aHSCT" in response.text
    assert "(1/3) Reply MORE" in response.text


def test_bad_signature_is_refused_and_nothing_stored(twilio, db):
    response = twilio.post(
        "/twilio/sms",
        {"MessageSid": "SM1", "From": "+12025550123", "Body": "AHSCT"},
        signature="bogus",
    )
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_duplicate_message_sid_answered_same_and_stored_once(twilio, db):
    first = twilio.sms("RISKS", sid="SMdup1")
    second = twilio.sms("RISKS", sid="SMdup1")
    assert first.text == second.text
    inbound = db.scalar(
        select(func.count()).select_from(Message).where(Message.direction == "inbound")
    )
    assert inbound == 1
