"""Tenancy by knowledge: number-wide facts (its language, Twilio's block, its STOP) come from
the number's life with other clinics, so a clinic whose invitation was never answered sees
none of them over the API, only what its own enrolment caused or entered."""

from __future__ import annotations

from sqlalchemy import select

from lupus_sms.messaging.models import Message
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text
from tests.tenancy import ENROLMENT, PHONE

B_SENDER = "+16175550142"  # clinic B's own number: its conversation with the patient


def _two_clinics(client, db):
    b = make_clinic(db, name="Bayside Health Clinic", sender=B_SENDER)
    a = make_clinic(db, name="Amberley Clinic")  # on the shared sender
    return b, a, auth_headers(db, b), auth_headers(db, a)


def _enrol(client, headers, **extra) -> int:
    response = client.post("/api/v1/patients", json=ENROLMENT | extra, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _patient(client, headers, patient_id) -> dict:
    return client.get(f"/api/v1/patients/{patient_id}", headers=headers).json()


def _events(client, headers, patient_id) -> list[str]:
    url = f"/api/v1/patients/{patient_id}/consent-events"
    return [event["kind"] for event in client.get(url, headers=headers).json()["items"]]


def _status(twilio, message_id: int, state: str, **extra: str):
    data = {"MessageSid": f"SM{message_id:032x}", "MessageStatus": state, **extra}
    return twilio.post(f"/twilio/status?message_id={message_id}", data | {"AccountSid": "AC1"})


def test_a_pending_clinic_sees_neither_the_numbers_language_nor_its_carrier_block(
    client, db, twilio
):
    b, _a, b_headers, a_headers = _two_clinics(client, db)
    b_id = _enrol(client, b_headers)
    assert b.name in reply_text(twilio.sms("YES", from_=PHONE, to=B_SENDER))
    twilio.sms("ESPANOL", from_=PHONE, to=B_SENDER)
    twilio.sms("STOP", from_=PHONE, to=B_SENDER, OptOutType="STOP")  # Twilio blocks it
    twilio.sms("COMENZAR", from_=PHONE, to=B_SENDER)  # back in with us, not with Twilio
    a_id = _enrol(client, a_headers)  # no language named
    theirs = _patient(client, a_headers, a_id)
    assert theirs["status"] == "pending_consent"
    assert theirs["language"] == "en" and theirs["carrier_blocked_since"] is None
    assert _events(client, a_headers, a_id) == ["invited"]
    ours = _patient(client, b_headers, b_id)
    assert ours["language"] == "es" and ours["carrier_blocked_since"] is not None


def test_a_stop_and_start_in_another_clinics_conversation_leave_no_trace_but_the_status(
    client, db, twilio
):
    _b, _a, b_headers, a_headers = _two_clinics(client, db)
    b_id = _enrol(client, b_headers)
    twilio.sms("YES", from_=PHONE, to=B_SENDER)
    a_id = _enrol(client, a_headers)
    twilio.sms("STOP", from_=PHONE, to=B_SENDER)
    assert _patient(client, a_headers, a_id)["status"] == "opted_out"  # nothing will be sent
    assert _events(client, a_headers, a_id) == ["invited"]  # but not when or how
    twilio.sms("START", from_=PHONE, to=B_SENDER)
    assert _patient(client, a_headers, a_id)["status"] == "pending_consent"
    assert _events(client, a_headers, a_id) == ["invited"]
    assert _events(client, b_headers, b_id)[:2] == ["opted_in", "opted_out"]  # newest first


def test_a_stop_answering_a_pending_clinics_own_invitation_is_in_its_trail(client, db, twilio):
    _b, _a, _b_headers, a_headers = _two_clinics(client, db)
    a_id = _enrol(client, a_headers)
    twilio.sms("STOP", from_=PHONE)  # to the shared sender A's invitation came from
    assert _patient(client, a_headers, a_id)["status"] == "opted_out"
    assert _events(client, a_headers, a_id) == ["opted_out", "invited"]  # newest first


def test_a_block_met_by_another_clinics_text_is_not_reported_to_a_pending_clinic(
    client, db, twilio
):
    _b, _a, b_headers, a_headers = _two_clinics(client, db)
    b_id = _enrol(client, b_headers)
    twilio.sms("YES", from_=PHONE, to=B_SENDER)
    a_id = _enrol(client, a_headers)
    b_text = db.scalar(
        select(Message.id).where(Message.patient_id == b_id, Message.direction == "outbound")
    )
    assert _status(twilio, b_text, "failed", ErrorCode="21610").status_code in (200, 204)
    assert "carrier_blocked" in _events(client, b_headers, b_id)
    assert _events(client, a_headers, a_id) == ["invited"]
    assert _patient(client, a_headers, a_id)["carrier_blocked_since"] is None


SPANISH_INVITATION = "Le invitamos"
ENGLISH_INVITATION = "You are invited to get care texts"


def _invitation(db, patient_id: int) -> str:
    return db.scalar(
        select(Message.body).where(
            Message.patient_id == patient_id, Message.kind == "consent_invitation"
        )
    )


def test_a_pending_clinics_invitation_goes_out_in_its_own_language_not_the_numbers(
    client, db, twilio
):
    first, second = make_clinic(db, name="Bayside Health Clinic"), make_clinic(db, name="Cedar")
    first_headers, second_headers = auth_headers(db, first), auth_headers(db, second)
    first_id = _enrol(client, first_headers)
    twilio.sms("YES", from_=PHONE)
    assert "español" in reply_text(twilio.sms("ESPANOL", from_=PHONE))  # chosen with the first
    second_id = _enrol(client, second_headers, language="en")
    body = _invitation(db, second_id)
    assert ENGLISH_INVITATION in body and SPANISH_INVITATION not in body
    assert _patient(client, second_headers, second_id)["language"] == "en"
    url = f"/api/v1/patients/{second_id}/messages"
    shown = client.get(url, headers=second_headers).json()["items"]
    assert [m["body"] for m in shown] == [body]
    assert _patient(client, first_headers, first_id)["language"] == "es"


def test_an_imported_enrolment_is_invited_in_the_files_language_not_the_numbers(client, db, twilio):
    first, second = make_clinic(db, name="Bayside Health Clinic"), make_clinic(db, name="Cedar")
    _enrol(client, auth_headers(db, first))
    twilio.sms("YES", from_=PHONE)
    twilio.sms("ESPANOL", from_=PHONE)
    second_headers = auth_headers(db, second)
    csv = f"phone,consent_source,program\n{PHONE},in_person,msc\n"
    response = client.post(
        "/api/v1/patients/import",
        files={"file": ("patients.csv", csv, "text/csv")},
        headers=second_headers,
    )
    assert response.json()["created"] == 1, response.text
    second_id = response.json()["rows"][0]["patient_id"]
    assert ENGLISH_INVITATION in _invitation(db, second_id)
    assert _patient(client, second_headers, second_id)["language"] == "en"


def test_an_opt_out_another_clinic_recorded_leaves_a_pending_clinic_only_the_status(
    client, db, twilio
):
    _b, _a, b_headers, a_headers = _two_clinics(client, db)
    b_id = _enrol(client, b_headers)
    twilio.sms("YES", from_=PHONE, to=B_SENDER)
    a_id = _enrol(client, a_headers)
    url = f"/api/v1/patients/{b_id}/opt-out"
    when = {"source": "front_desk", "occurred_at": "2026-02-01T10:00:00+00:00"}
    assert client.post(url, json=when, headers=b_headers).status_code == 200
    assert _patient(client, a_headers, a_id)["status"] == "opted_out"
    assert _events(client, a_headers, a_id) == ["invited"]
    assert _events(client, b_headers, b_id)[0] == "opted_out"


def _notes(client, headers, patient_id) -> list[str | None]:
    url = f"/api/v1/patients/{patient_id}/consent-events"
    return [event.get("note") for event in client.get(url, headers=headers).json()["items"]]


def test_an_opt_in_word_to_a_pending_clinic_tells_it_nothing_of_anothers_carrier_block(
    client, db, twilio
):
    a = make_clinic(db, name="Amberley Clinic", sender="+16175550143")
    b = make_clinic(db, name="Bayside Health Clinic", sender=B_SENDER)
    a_headers, b_headers = auth_headers(db, a), auth_headers(db, b)
    a_id = _enrol(client, a_headers)
    twilio.sms("YES", from_=PHONE, to="+16175550143")
    twilio.sms("STOP", from_=PHONE, to="+16175550143", OptOutType="STOP")  # Twilio blocks it
    twilio.sms("COMENZAR", from_=PHONE, to="+16175550143")  # back with us, not with Twilio
    b_id = _enrol(client, b_headers)
    twilio.sms("PARAR", from_=PHONE, to=B_SENDER)
    twilio.sms("COMENZAR", from_=PHONE, to=B_SENDER)  # still blocked by Twilio: A's doing
    assert [note for note in _notes(client, b_headers, b_id) if note] == []
    assert any("Twilio" in (note or "") for note in _notes(client, a_headers, a_id))


def test_an_opt_in_word_to_a_pending_clinic_is_answered_without_the_other_clinic(
    client, db, twilio
):
    a = make_clinic(db, name="Amberley Clinic", sender="+16175550143")
    b = make_clinic(db, name="Bayside Health Clinic", sender=B_SENDER)
    a_headers, b_headers = auth_headers(db, a), auth_headers(db, b)
    a_id = _enrol(client, a_headers)
    twilio.sms("YES", from_=PHONE, to="+16175550143")
    b_id = _enrol(client, b_headers, language="es")
    twilio.sms("PARAR", from_=PHONE, to=B_SENDER)
    answer = reply_text(twilio.sms("COMENZAR", from_=PHONE, to=B_SENDER))
    # B's invitation again, in B's language; A is neither named nor told of B.
    assert b.name in answer and a.name not in answer and "SI" in answer
    a_texts = client.get(f"/api/v1/patients/{a_id}/messages", headers=a_headers).json()
    assert not any(b.name in (m.get("body") or "") for m in a_texts["items"])
    assert _patient(client, b_headers, b_id)["status"] == "pending_consent"
    assert _patient(client, a_headers, a_id)["status"] == "active"
