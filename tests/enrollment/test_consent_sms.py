"""Double opt-in over SMS: YES with zero, one and two pending clinics, and after STOP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.enrollment.models import ConsentEvent, Patient
from lupus_sms.messaging.models import PhoneNumber
from tests.enrollment.conftest import enrol
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text

PHONE = "+12025550123"


def _status(db, patient_id):
    db.expire_all()
    return db.get(Patient, patient_id).status


def test_yes_with_no_pending_clinic_is_left_to_the_opt_in_step(twilio, db):
    response = twilio.sms("YES", from_=PHONE)
    assert response.status_code == 200
    assert "You joined" not in reply_text(response)


def test_yes_confirms_the_one_pending_clinic(api, twilio, db, clinic):
    patient = enrol(api)
    assert patient["status"] == "pending_consent"
    text = reply_text(twilio.sms("Yes!", from_=PHONE))
    assert clinic.name in text and "not secure" in text
    assert _status(db, patient["id"]) == "active"
    events = api.get(f"/api/v1/patients/{patient['id']}/consent-events").json()["items"]
    assert [e["kind"] for e in events] == ["confirmed", "invited"]
    assert events[0]["source"] == "sms" and events[0]["message_id"]


def test_other_words_do_not_confirm(api, twilio, db):
    patient = enrol(api)
    twilio.sms("what is this", from_=PHONE)
    assert _status(db, patient["id"]) == "pending_consent"


def test_two_pending_clinics_ask_which_by_letter(api, twilio, db, clinic, other_clinic):
    first = enrol(api)
    second = api.post(
        "/api/v1/patients",
        json={"phone": PHONE, "consent_source": "phone", "program": "msc"},
        headers=auth_headers(db, other_clinic),
    ).json()
    question = reply_text(twilio.sms("YES", from_=PHONE))
    assert f"A for {clinic.name}" in question and f"B for {other_clinic.name}" in question
    assert _status(db, first["id"]) == _status(db, second["id"]) == "pending_consent"
    answer = reply_text(twilio.sms("b", from_=PHONE))
    assert other_clinic.name in answer and "You joined" in answer
    assert _status(db, second["id"]) == "active"
    assert _status(db, first["id"]) == "pending_consent"
    # The other clinic is still waiting; a second YES now has only one to confirm.
    again = reply_text(twilio.sms("YES", from_=PHONE))
    assert clinic.name in again
    assert _status(db, first["id"]) == "active"


def test_choice_by_clinic_name(api, twilio, db, clinic, other_clinic):
    enrol(api)
    second = api.post(
        "/api/v1/patients",
        json={"phone": PHONE, "consent_source": "phone", "program": "msc"},
        headers=auth_headers(db, other_clinic),
    ).json()
    twilio.sms("YES", from_=PHONE)
    reply_text(twilio.sms("Lakeside", from_=PHONE))
    assert _status(db, second["id"]) == "active"


def test_a_clinic_with_its_own_number_is_confirmed_only_there(api, twilio, db, clinic):
    own = make_clinic(db, name="Harbor Clinic", sender="+16175550142")
    mine = enrol(api)
    theirs = api.post(
        "/api/v1/patients",
        json={"phone": PHONE, "consent_source": "phone", "program": "msc"},
        headers=auth_headers(db, own),
    ).json()
    text = reply_text(twilio.sms("YES", from_=PHONE, to="+16175550142"))
    assert "Harbor Clinic" in text
    assert _status(db, theirs["id"]) == "active"
    assert _status(db, mine["id"]) == "pending_consent"


def test_yes_from_an_opted_out_number_lifts_the_block_and_confirms_in_one_reply(
    api, twilio, db, clinic
):
    patient = enrol(api)
    twilio.sms("STOP", from_=PHONE)
    assert _status(db, patient["id"]) == "opted_out"
    response = twilio.sms("YES", from_=PHONE)
    text = reply_text(response)
    assert clinic.name in text and "You joined" in text
    assert response.text.count("<Message") == 1
    assert _status(db, patient["id"]) == "active"
    number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PHONE))
    assert not number.opted_out
    kinds = db.scalars(
        select(ConsentEvent.kind).where(ConsentEvent.patient_id == patient["id"])
        .order_by(ConsentEvent.id)
    ).all()  # fmt: skip
    # STOP before any YES: START lifts the block, and the YES is the invitation's answer.
    assert kinds == ["invited", "opted_out", "opted_in", "confirmed"]


def test_enrolled_while_blocked_start_lifts_the_block_and_yes_confirms(api, twilio, db, clinic):
    db.add(PhoneNumber(e164=PHONE, phone_hash="blocked", opted_out=True))
    db.flush()
    patient = enrol(api)
    assert patient["status"] == "opted_out"
    # START lifts the STOP; it does not answer the invitation the number never saw.
    text = reply_text(twilio.sms("START", from_=PHONE))
    assert clinic.name in text and "YES" in text and "You joined" not in text
    assert _status(db, patient["id"]) == "pending_consent"
    assert "You joined" in reply_text(twilio.sms("YES", from_=PHONE))
    assert _status(db, patient["id"]) == "active"


@pytest.mark.parametrize("word", ["START", "UNSTOP", "COMENZAR"])
def test_an_opt_in_word_is_not_a_yes_to_a_pending_invitation(api, twilio, db, clinic, word):
    patient = enrol(api)
    text = reply_text(twilio.sms(word, from_=PHONE))
    assert "You joined" not in text and "YES" in text
    assert _status(db, patient["id"]) == "pending_consent"
    kinds = api.get(f"/api/v1/patients/{patient['id']}/consent-events").json()["items"]
    assert "confirmed" not in [event["kind"] for event in kinds]
