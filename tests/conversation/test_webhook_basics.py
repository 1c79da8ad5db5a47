"""The inbound webhook through HTTP, signed as Twilio signs it."""

from __future__ import annotations

import pytest
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


def test_a_message_sid_reused_by_another_number_is_refused_not_answered_as_the_first(twilio):
    twilio.sms("RISKS", sid="SMdup2", from_="+12025550123")
    reused = twilio.sms("I cant breathe", sid="SMdup2", from_="+12025550124")
    assert reused.status_code == 409
    assert "another number" in reused.json()["error"]["message"]


def test_missing_signature_is_refused(client):
    response = client.post("/twilio/sms", data={"MessageSid": "SM2", "From": "+12025550123"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "invalid Twilio signature"


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_missing_fields_get_a_clear_4xx(twilio, missing):
    data = {"MessageSid": "SM3", "From": "+12025550123", "Body": "AHSCT"}
    del data[missing]
    response = twilio.post("/twilio/sms", data)
    assert response.status_code == 422
    assert missing in response.json()["error"]["message"]


@pytest.mark.parametrize("blank", ["", "  ", "\x00", "\x00 \x00"])
def test_a_blank_sender_after_cleaning_is_a_clear_4xx(twilio, blank):
    """NUL is removed from every field (PostgreSQL cannot store it): what is left must count."""
    response = twilio.sms("AHSCT", from_=blank)
    assert response.status_code == 422
    assert "From" in response.json()["error"]["message"]


def test_inbound_and_reply_are_stored_with_sid_status_and_time(twilio, db, clock):
    twilio.sms("LUPUS", from_="(202) 555-0123", sid="SMstored1")
    rows = db.scalars(select(Message).order_by(Message.id)).all()
    inbound, reply = rows
    assert (inbound.direction, inbound.phone, inbound.body) == ("inbound", "+12025550123", "LUPUS")
    assert inbound.twilio_sid == "SMstored1" and inbound.status == "received"
    assert inbound.created_at == clock.now()
    assert (reply.direction, reply.status, reply.in_reply_to_id) == ("outbound", "sent", inbound.id)
    assert reply.encoding == "GSM-7" and reply.segments in (1, 2)


def test_reply_carries_a_status_callback(twilio, db):
    response = twilio.sms("LUPUS")
    reply = db.scalar(select(Message).where(Message.direction == "outbound"))
    assert f"/twilio/status?message_id={reply.id}" in response.text


def test_a_text_from_a_number_with_one_enrolment_is_filed_under_that_patient(twilio, db):
    from tests.factories import make_clinic, make_patient

    clinic = make_clinic(db)
    patient = make_patient(db, clinic, phone="+12025550161")
    twilio.sms("LUPUS", from_="+12025550161")
    inbound, reply = db.scalars(select(Message).order_by(Message.id)).all()
    assert (inbound.patient_id, inbound.clinic_id) == (patient.id, clinic.id)
    assert (reply.patient_id, reply.clinic_id) == (patient.id, clinic.id)


def test_a_text_from_a_number_with_two_enrolments_is_not_guessed(twilio, db):
    from tests.factories import make_clinic, make_patient

    make_patient(db, make_clinic(db), phone="+12025550162")
    make_patient(db, make_clinic(db, name="Harbor Clinic"), phone="+12025550162")
    twilio.sms("LUPUS", from_="+12025550162")
    inbound = db.scalar(select(Message).where(Message.direction == "inbound"))
    assert inbound.patient_id is None and inbound.clinic_id is None
