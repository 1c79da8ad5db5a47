"""FULL: the detailed form of the latest text a clinic sent a number on its own.

A discreet reminder leaves out what it is about; the patient reads the detail by asking for
it, in the number's language, from the same plan step, patient, clinic and appointment the
reminder was filled in from. Only the enrolment the patient's text is tied to is searched
(inbound/service.py ties it), so a reply never shows one clinic's text to another.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import DETAILED, for_privacy
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.enqueue import planned_body
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.plans import plans_of

# Texts the patient never got have no detail to show.
NOT_RECEIVED = (statuses.FAILED, statuses.EXPIRED, statuses.CANCELLED, statuses.SKIPPED)


def latest_planned_text(db: Session, *, patient_id: int) -> Message | None:
    """The latest text this enrolment's plan sent (reminders, prompts, check-ins)."""
    return db.scalar(
        select(Message)
        .where(
            Message.patient_id == patient_id,
            Message.direction == "outbound",
            Message.planned_message_id.is_not(None),
            Message.status.not_in(NOT_RECEIVED),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )


def detailed_form(db: Session, *, patient_id: int | None, content: ContentSnapshot) -> str | None:
    """The detailed form of that text in `content`'s language, or None when there is none."""
    message = latest_planned_text(db, patient_id=patient_id) if patient_id else None
    planned = message and db.get(PlannedMessage, message.planned_message_id)
    if planned is None:
        return None
    patient, anchor = db.get(Patient, planned.patient_id), db.get(Anchor, planned.anchor_id)
    if patient is None or anchor is None or patient.erased_at is not None:
        return None
    detailed = for_privacy(content, DETAILED)
    step = plans_of(detailed).step(planned.step_key)
    if step is None:
        return None
    clinic = db.get(Clinic, patient.clinic_id)
    return planned_body(step, patient=patient, clinic=clinic, anchor=anchor, content=detailed)
