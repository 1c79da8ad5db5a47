"""What a permanent refusal from Twilio means for the patient behind the number: 21610 means
Twilio blocks the number (enrollment/carrier_block.py); 21211 and kin, that it cannot take
texts at all."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment import carrier_block
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import OPTED_OUT_CODES, UNDELIVERABLE_CODES
from lupus_sms.scheduling.delivery import phone_number_for
from lupus_sms.scheduling.planner import replan

logger = logging.getLogger(__name__)
ACTIVE_STATUSES = (PatientStatus.PENDING_CONSENT, PatientStatus.ACTIVE, PatientStatus.PAUSED)


def apply_permanent_failure(
    db: Session, *, message: Message, error_code: str | None, now: datetime
) -> None:
    code = int(error_code) if error_code and error_code.isdigit() else None
    phone_number = phone_number_for(db, message.phone)
    if phone_number is None or code is None:
        return
    if code in OPTED_OUT_CODES:
        carrier_block.block(
            db,
            phone_number,
            now=now,
            reason=carrier_block.BLOCKED_BY_21610,
            patient_id=message.patient_id,
        )
    elif code in UNDELIVERABLE_CODES:
        _undeliverable(db, phone_number_id=phone_number.id, now=now)


def _patients(db: Session, phone_number_id: int) -> list[Patient]:
    return list(
        db.scalars(
            select(Patient).where(
                Patient.phone_number_id == phone_number_id, Patient.status.in_(ACTIVE_STATUSES)
            )
        )
    )


def _undeliverable(db: Session, *, phone_number_id: int, now: datetime) -> None:
    for patient in _patients(db, phone_number_id):
        patient.status = PatientStatus.UNDELIVERABLE
        patient.updated_at = now
        db.flush()
        replan(db, patient_id=patient.id, now=now)
