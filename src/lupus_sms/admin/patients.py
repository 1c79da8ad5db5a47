"""Owner-only reads that identify patients. Each one is a use case that commits its audit
entry (`record_view`) before the page is rendered, so no identifying page is ever shown
without a trace of who looked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, record_view
from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.service import get_clinic
from lupus_sms.console.patient_list import PatientPage, list_page
from lupus_sms.core.errors import NotFoundError
from lupus_sms.enrollment.models import Patient
from lupus_sms.enrollment.service import messages_query
from lupus_sms.messaging.models import Message

MAX_MESSAGES = 500


def clinic_patients(
    db: Session,
    *,
    clinic_id: int,
    actor: Actor,
    now: datetime,
    search: str = "",
    status: str | None = None,
    after: int | None = None,
) -> tuple[Clinic, PatientPage]:
    """One page of a clinic's patients, searched like the portal's list (the same query)."""
    clinic = get_clinic(db, clinic_id=clinic_id)
    page = list_page(db, clinic_id=clinic.id, search=search, status=status, after=after)
    detail = f"search: {search[:80]}" if search else None
    record_view(db, actor=actor, action="patient.list", now=now, target=f"clinic:{clinic.id}",
                detail=detail)  # fmt: skip
    return clinic, page


def conversation(
    db: Session, *, patient_id: int, actor: Actor, now: datetime
) -> tuple[Clinic, Patient, list[Message]]:
    patient = db.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError(f"patient {patient_id} not found")
    clinic = get_clinic(db, clinic_id=patient.clinic_id)
    query = messages_query(patient, clinic).order_by(Message.created_at, Message.id)
    messages = list(db.scalars(query.limit(MAX_MESSAGES)))
    record_view(db, actor=actor, action="patient.view", now=now, target=f"patient:{patient.id}",
                detail=f"conversation, clinic:{clinic.id}")  # fmt: skip
    return clinic, patient, messages
