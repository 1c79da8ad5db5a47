"""Erasure on a clinic's request: personal data goes, anonymous counts and STOP stay.

What remains: the patient row (status, program, dates: the clinic's counts), message rows
without body or phone (delivery statistics), consent events without notes, and the phone
number's hash, so an earlier STOP still blocks the number if it is enrolled again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient
from lupus_sms.messaging.models import Message


def erase_patient(db: Session, patient: Patient, *, now: datetime) -> None:
    patient.name = None
    patient.external_id = None
    patient.erased_at = now
    db.execute(
        update(Message).where(Message.patient_id == patient.id).values(body=None, phone=None)
    )
    db.execute(update(Anchor).where(Anchor.patient_id == patient.id).values(location=None))
    db.execute(update(ConsentEvent).where(ConsentEvent.patient_id == patient.id).values(note=None))
    _forget_number_unless_shared(db, patient)
    db.flush()


def _forget_number_unless_shared(db: Session, patient: Patient) -> None:
    """Clear the number itself only when no other enrolment still needs it."""
    others = db.scalar(
        select(Patient.id).where(
            Patient.phone_number_id == patient.phone_number_id,
            Patient.id != patient.id,
            Patient.erased_at.is_(None),
        )
    )
    if others is None and patient.phone_number.e164:
        # Texts not tied to an enrolment (a keyword before consent) carry the number too.
        db.execute(
            update(Message)
            .where(Message.phone == patient.phone_number.e164)
            .values(body=None, phone=None)
        )
        patient.phone_number.e164 = None
