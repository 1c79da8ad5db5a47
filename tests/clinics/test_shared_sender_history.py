"""Which clinic's record shows a text from a number enrolled with several clinics.

A text to a clinic's own number belongs to that clinic's enrolment, reply included. A text
to the shared sender from a number that consented to several clinics on it cannot be tied
to one of them: each of them shows it with the reply it got (docs/ARCHITECTURE.md, "Which
clinic hears from a number"), and a clinic still waiting for its YES shows neither.
"""

from __future__ import annotations

from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text
from tests.tenancy import ENROLMENT, PHONE

RED_FLAG = "I have a fever of 39.4 and chills"
OWN_SENDER = "+16175550142"


def _bodies(client, headers, patient_id) -> list[str]:
    url = f"/api/v1/patients/{patient_id}/messages"
    return [m["body"] for m in client.get(url, headers=headers).json()["items"]]


def _consented(client, db, twilio, name: str, sender: str | None = None):
    clinic = make_clinic(db, name=name, sender=sender)
    headers = auth_headers(db, clinic)
    patient = client.post("/api/v1/patients", json=ENROLMENT, headers=headers).json()
    assert name in reply_text(twilio.sms("YES", from_=PHONE, to=sender or "+12025550100"))
    return headers, patient["id"]


def test_both_clinics_on_the_shared_sender_show_the_text_and_its_safety_reply(client, db, twilio):
    a_headers, a_id = _consented(client, db, twilio, "Amberley Clinic")
    b_headers, b_id = _consented(client, db, twilio, "Bayside Clinic")
    pending = make_clinic(db, name="Cedar Clinic")
    c_headers = auth_headers(db, pending)
    c_id = client.post("/api/v1/patients", json=ENROLMENT, headers=c_headers).json()["id"]
    safety = reply_text(twilio.sms(RED_FLAG, from_=PHONE))
    assert safety.startswith("URGENT")
    for headers, patient_id in ((a_headers, a_id), (b_headers, b_id)):
        assert _bodies(client, headers, patient_id)[:2] == [safety, RED_FLAG]  # newest first
    assert RED_FLAG not in _bodies(client, c_headers, c_id)
    assert safety not in _bodies(client, c_headers, c_id)


def test_a_text_to_a_clinics_own_number_is_only_in_that_clinics_record(client, db, twilio):
    a_headers, a_id = _consented(client, db, twilio, "Amberley Clinic", sender=OWN_SENDER)
    b_headers, b_id = _consented(client, db, twilio, "Bayside Clinic")
    safety = reply_text(twilio.sms(RED_FLAG, from_=PHONE, to=OWN_SENDER))
    assert _bodies(client, a_headers, a_id)[:2] == [safety, RED_FLAG]
    theirs = _bodies(client, b_headers, b_id)
    assert RED_FLAG not in theirs and safety not in theirs
