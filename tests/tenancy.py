"""The tenancy attack: clinic A enrols a number that clinic B has as an active patient.

B's patient consented to B (replied YES); A's invitation is never answered. Tests play A and
check that A learns and changes nothing about the number beyond its own enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text

PHONE = "+12025550123"
ENROLMENT = {"phone": PHONE, "consent_source": "in_person", "program": "ahsct"}


@dataclass
class SharedNumber:
    a: Clinic  # the attacker: its enrolment is pending and stays so
    b: Clinic  # the number's own clinic: its patient consented
    a_headers: dict[str, str]
    b_headers: dict[str, str]
    a_patient_id: int
    b_patient_id: int


def consented_to_b_then_enrolled_by_a(client, db: Session, twilio) -> SharedNumber:
    b = make_clinic(db, name="Bayside Health Clinic")
    a = make_clinic(db, name="Amberley Clinic", urgent_phone="+16175550188")
    b_headers, a_headers = auth_headers(db, b), auth_headers(db, a)
    b_patient = client.post("/api/v1/patients", json=ENROLMENT, headers=b_headers)
    assert b_patient.status_code == 201, b_patient.text
    assert b.name in reply_text(twilio.sms("YES", from_=PHONE))
    # A names Spanish: a number-wide setting it has no right to record.
    a_patient = client.post(
        "/api/v1/patients", json=ENROLMENT | {"language": "es"}, headers=a_headers
    )
    assert a_patient.status_code == 201, a_patient.text
    assert a_patient.json()["status"] == "pending_consent"
    return SharedNumber(a, b, a_headers, b_headers, a_patient.json()["id"], b_patient.json()["id"])
