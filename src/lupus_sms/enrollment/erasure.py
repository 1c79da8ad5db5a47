"""Erasure on a clinic's request: personal data goes, anonymous counts and STOP stay.

What remains: the patient row (status, program, dates: the clinic's counts), tied to no
number any more (enrolling the number again makes a new patient), message rows
without body or phone (delivery statistics), alerts and check-in answers without the
patient's words or the clinic's notes, consent events without notes, and the phone number's
hash, so an earlier STOP still blocks the number if it is enrolled again.

Which columns are personal is said where they are declared (`info=PERSONAL`, core/db.py):
every such column of a table with a `patient_id` is cleared for the patient; when the number
itself is forgotten, also in the rows of texts no enrolment was tied to (a keyword before
consent, a red flag from an unknown number) and in the rows about those texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from lupus_sms.core.db import Base
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message, PhoneNumber


def erase_patient(db: Session, patient: Patient, *, now: datetime) -> None:
    patient.name = None
    patient.external_id = None
    patient.erased_at = now
    for table, cleared in _personal_columns("patient_id"):
        db.execute(update(table).where(table.c.patient_id == patient.id).values(cleared))
    _forget_number_unless_shared(db, patient)
    _detach_from_number(db, patient)
    db.flush()


def _detach_from_number(db: Session, patient: Patient) -> None:
    """The erased record belongs to no number any more: the number enrolled again is a new
    patient, and nothing the clinic sees ties the old record to it. The number's own row
    keeps its hash and its STOP. The placeholder is a number no text can reach."""
    placeholder = PhoneNumber(e164=None, phone_hash=f"erased-{uuid.uuid4().hex}", opted_out=True)
    db.add(placeholder)
    db.flush()
    patient.phone_number_id = placeholder.id


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
        texts = select(Message.id).where(Message.phone == patient.phone_number.e164)
        # Rows about those texts first: the texts lose the number that finds them.
        for table, cleared in _personal_columns("message_id"):
            db.execute(update(table).where(table.c.message_id.in_(texts)).values(cleared))
        db.execute(
            update(Message)
            .where(Message.phone == patient.phone_number.e164)
            .values(_cleared(Message.__table__))
        )
        patient.phone_number.e164 = None


def _personal_columns(key: str) -> Iterator[tuple[Table, dict[str, None]]]:
    """Each table that has a `key` column and personal ones, with those cleared."""
    for table in Base.metadata.sorted_tables:
        cleared = _cleared(table)
        if key in table.c and cleared:
            yield table, cleared


def _cleared(table: Table) -> dict[str, None]:
    """The personal columns of `table`, each set to NULL."""
    return {column.name: None for column in table.c if column.info.get("personal")}
