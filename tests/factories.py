"""Small factories for tests that need rows the API would normally create."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.service import create_api_key
from lupus_sms.core.phones import normalise_phone
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.service import get_or_create_phone_number

CONSENTED_AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # before every test's "now"


def make_clinic(db: Session, **overrides) -> Clinic:
    values = {
        "name": "Riverside Lupus Clinic",
        "office_phone": "+16175550100",
        "urgent_phone": "+16175550199",
        "timezone": "America/New_York",
    }
    clinic = Clinic(**(values | overrides))
    db.add(clinic)
    db.flush()
    return clinic


def make_api_key(db: Session, clinic: Clinic) -> str:
    """A new API key for `clinic`; returns the plaintext for `Authorization: Bearer ...`."""
    _api_key, plaintext = create_api_key(db, clinic_id=clinic.id)
    return plaintext


def auth_headers(db: Session, clinic: Clinic) -> dict[str, str]:
    """Request headers carrying a new API key of `clinic`."""
    return {"Authorization": f"Bearer {make_api_key(db, clinic)}"}


def make_patient(
    db: Session,
    clinic: Clinic,
    *,
    phone: str = "+12025550123",
    status: str = "active",
    program: str = "ahsct",
    procedure_date: date | None = None,
    **overrides,
) -> Patient:
    phone_number = get_or_create_phone_number(db, e164=normalise_phone(phone))
    # A patient made here has replied YES unless it is still waiting to (tenancy by consent).
    consented_at = None if status == "pending_consent" else CONSENTED_AT
    values = {
        "clinic_id": clinic.id,
        "phone_number_id": phone_number.id,
        "timezone": clinic.timezone,
        "program": program,
        "procedure_date": procedure_date,
        "consent_source": "in_person",
        "status": status,
        "consented_at": consented_at,
    }
    patient = Patient(**(values | overrides))
    db.add(patient)
    db.flush()
    return patient
