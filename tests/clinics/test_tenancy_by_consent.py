"""Tenancy by knowledge, from the attacker's side, over the API and SMS.

Clinic A enrols a number that clinic B has as an active (consented) patient and the number
never answers A: A must see no later alert, inbound text, timeline entry or message of that
number, cannot change its language or record an opt-out for it, and no reply to the patient
names A. When the number has consented to no clinic, a red flag still reaches the clinics
whose invitation it is answering.
"""

from __future__ import annotations

from sqlalchemy import select

from lupus_sms.messaging.models import PhoneNumber
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text
from tests.tenancy import ENROLMENT, PHONE, consented_to_b_then_enrolled_by_a

RED_FLAG = "I have a fever of 39.4 and chills"
UNANSWERABLE = "my left knee has hurt since Tuesday afternoon"


def _alerts(client, headers) -> list[dict]:
    return client.get("/api/v1/alerts", headers=headers).json()["items"]


def _messages(client, headers, patient_id) -> list[dict]:
    url = f"/api/v1/patients/{patient_id}/messages"
    return client.get(url, headers=headers).json()["items"]


def _events(client, headers, patient_id) -> list[str]:
    url = f"/api/v1/patients/{patient_id}/consent-events"
    return [event["kind"] for event in client.get(url, headers=headers).json()["items"]]


def test_a_red_flag_reaches_only_the_consented_clinic_and_the_reply_names_only_it(
    client, db, twilio
):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    reply = reply_text(twilio.sms(RED_FLAG, from_=PHONE))
    assert shared.b.name in reply and shared.a.name not in reply
    assert [alert["kind"] for alert in _alerts(client, shared.b_headers)] == ["red_flag"]
    assert _alerts(client, shared.a_headers) == []


def test_a_pending_clinic_sees_no_inbound_text_review_or_timeline_entry(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    review = reply_text(twilio.sms(UNANSWERABLE, from_=PHONE))
    assert shared.b.name in review and shared.a.name not in review
    twilio.sms("RISKS", from_=PHONE)
    twilio.sms("ESPANOL", from_=PHONE)
    theirs = _messages(client, shared.a_headers, shared.a_patient_id)
    assert [m["direction"] for m in theirs] == ["outbound"]  # its own invitation, nothing else
    assert theirs[0]["body"].startswith(shared.a.name)
    assert _events(client, shared.a_headers, shared.a_patient_id) == ["invited"]
    assert _alerts(client, shared.a_headers) == []
    # The number's own clinic sees all of it.
    ours = _messages(client, shared.b_headers, shared.b_patient_id)
    assert UNANSWERABLE in [m["body"] for m in ours]
    assert "language" in _events(client, shared.b_headers, shared.b_patient_id)
    assert [alert["kind"] for alert in _alerts(client, shared.b_headers)] == ["needs_review"]


def test_a_pending_clinic_cannot_change_the_numbers_language(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    url = f"/api/v1/patients/{shared.a_patient_id}"
    assert client.patch(url, json={"language": "es"}, headers=shared.a_headers).status_code == 200
    b_view = client.get(f"/api/v1/patients/{shared.b_patient_id}", headers=shared.b_headers)
    assert b_view.json()["language"] == "en"
    db.expire_all()
    assert db.scalar(select(PhoneNumber.language).where(PhoneNumber.e164 == PHONE)) == "en"
    assert "What lupus is" in reply_text(twilio.sms("MENU", from_=PHONE))  # still in English


def test_a_pending_clinic_can_only_end_its_own_enrolment(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    url = f"/api/v1/patients/{shared.a_patient_id}/opt-out"
    response = client.post(url, json={"source": "front_desk"}, headers=shared.a_headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "opted_out"  # A's enrolment has ended
    db.expire_all()
    assert db.scalar(select(PhoneNumber.opted_out).where(PhoneNumber.e164 == PHONE)) is False
    b_view = client.get(f"/api/v1/patients/{shared.b_patient_id}", headers=shared.b_headers)
    assert b_view.json()["status"] == "active"
    assert "opted_out" not in _events(client, shared.b_headers, shared.b_patient_id)
    assert reply_text(twilio.sms("MENU", from_=PHONE))  # B's patient is not silenced


def test_a_consented_clinics_opt_out_stays_number_wide(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    url = f"/api/v1/patients/{shared.b_patient_id}/opt-out"
    assert client.post(url, json={"source": "phone"}, headers=shared.b_headers).status_code == 200
    db.expire_all()
    assert db.scalar(select(PhoneNumber.opted_out).where(PhoneNumber.e164 == PHONE)) is True
    a_view = client.get(f"/api/v1/patients/{shared.a_patient_id}", headers=shared.a_headers)
    assert a_view.json()["status"] == "opted_out"


def test_start_after_stop_does_not_make_an_unanswered_invitation_consent(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    twilio.sms("STOP", from_=PHONE)
    twilio.sms("START", from_=PHONE)
    a_view = client.get(f"/api/v1/patients/{shared.a_patient_id}", headers=shared.a_headers)
    b_view = client.get(f"/api/v1/patients/{shared.b_patient_id}", headers=shared.b_headers)
    assert (a_view.json()["status"], b_view.json()["status"]) == ("pending_consent", "active")
    twilio.sms(RED_FLAG, from_=PHONE)
    assert _alerts(client, shared.a_headers) == []


def test_an_import_by_a_pending_clinic_does_not_change_the_numbers_language(client, db, twilio):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    other = make_clinic(db, name="Cedar Clinic")
    csv = f"phone,consent_source,program,language\n{PHONE},in_person,msc,es\n"
    response = client.post(
        "/api/v1/patients/import",
        files={"file": ("patients.csv", csv, "text/csv")},
        headers=auth_headers(db, other),
    )
    assert response.json()["created"] == 1, response.text
    b_view = client.get(f"/api/v1/patients/{shared.b_patient_id}", headers=shared.b_headers)
    assert b_view.json()["language"] == "en"


def test_a_number_that_consented_to_no_clinic_still_alerts_the_clinic_inviting_it(
    client, db, twilio
):
    clinic = make_clinic(db, name="Amberley Clinic")
    headers = auth_headers(db, clinic)
    enrolled = client.post("/api/v1/patients", json=ENROLMENT, headers=headers).json()
    reply = reply_text(twilio.sms(RED_FLAG, from_=PHONE))
    assert "911" in reply and clinic.name not in reply  # no clinic the number did not accept
    alerts = _alerts(client, headers)
    assert [(alert["kind"], alert["patient_id"]) for alert in alerts] == [
        ("red_flag", enrolled["id"])
    ]
    # An unanswerable text is not passed on: the invitation was not accepted.
    twilio.sms(UNANSWERABLE, from_=PHONE)
    assert len(_alerts(client, headers)) == 1
    assert [m["direction"] for m in _messages(client, headers, enrolled["id"])] == ["outbound"]


def test_without_consent_a_red_flag_alerts_the_invitations_it_answers_by_sender(client, db, twilio):
    own = make_clinic(db, name="Harbor Clinic", sender="+16175550142")
    shared = make_clinic(db, name="Amberley Clinic")
    own_headers, shared_headers = auth_headers(db, own), auth_headers(db, shared)
    client.post("/api/v1/patients", json=ENROLMENT, headers=own_headers)
    client.post("/api/v1/patients", json=ENROLMENT, headers=shared_headers)
    twilio.sms(RED_FLAG, from_=PHONE, to="+16175550142")  # answering Harbor's invitation
    assert len(_alerts(client, own_headers)) == 1 and _alerts(client, shared_headers) == []
    twilio.sms(RED_FLAG, from_=PHONE)  # on the shared sender: Amberley's
    assert len(_alerts(client, own_headers)) == 1 and len(_alerts(client, shared_headers)) == 1


def test_a_red_flag_to_the_number_that_sent_the_invitation_is_given_its_urgent_line(
    client, db, twilio
):
    own = make_clinic(db, name="Harbor Clinic", sender="+16175550142", urgent_phone="+16175550177")
    client.post("/api/v1/patients", json=ENROLMENT, headers=auth_headers(db, own))
    reply = reply_text(twilio.sms(RED_FLAG, from_=PHONE, to="+16175550142"))
    # The patient wrote to the number that invited them: its 24/7 line is no news to them.
    assert "911" in reply and "555-0177" in reply


def test_words_to_another_clinics_own_number_are_not_read_by_the_consented_clinic(
    client, db, twilio
):
    """The number consented to B; A, with its own number, only invited it. A question texted
    to A's number is A's: B gets no review item and the answer does not name B."""
    b = make_clinic(db, name="Bayside Health Clinic", sender="+16175550142")
    a = make_clinic(db, name="Harbor Clinic", sender="+16175550143")
    b_headers, a_headers = auth_headers(db, b), auth_headers(db, a)
    assert client.post("/api/v1/patients", json=ENROLMENT, headers=b_headers).status_code == 201
    reply_text(twilio.sms("YES", from_=PHONE, to=b.sender))
    assert client.post("/api/v1/patients", json=ENROLMENT, headers=a_headers).status_code == 201

    answer = reply_text(twilio.sms("Hi Harbor, what time is my visit with you?", from_=PHONE,
                                   to=a.sender))  # fmt: skip

    assert b.name not in answer
    assert _alerts(client, b_headers) == [] and _alerts(client, a_headers) == []
    # A red flag to the same number still reaches the clinic that knows the patient.
    reply_text(twilio.sms(RED_FLAG, from_=PHONE, to=a.sender))
    assert [alert["kind"] for alert in _alerts(client, b_headers)] == ["red_flag"]
