"""Plan -> outbox: the tick step that turns due planned messages into queued SMS.

Due rows are claimed in small batches (FOR UPDATE SKIP LOCKED on PostgreSQL, a conditional
UPDATE with a token on SQLite) and handled in the same short transaction: nothing slow
happens here, the send itself is the outbox's job. The outbox row is unique on the planned
message, so even a double claim could not queue a text twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.checkins.document import checkin_question
from lupus_sms.clinics.display_name import name_in_texts
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import for_privacy
from lupus_sms.content.limits import first_name_for_text
from lupus_sms.content.service import get_content
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.core.claims import claim_rows, new_token
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.statuses import AnchorStatus
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging import statuses
from lupus_sms.messaging.outbox import enqueue
from lupus_sms.scheduling.holds import hold_reason
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.planner import too_late
from lupus_sms.scheduling.plans import PlanStep, format_appointment, plans_of, render

logger = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 20


def enqueue_due_planned(
    session_factory: sessionmaker[Session], now: datetime, *, settings: Settings | None = None
) -> int:
    """Tick step: queue the due planned messages, one short transaction per batch. Returns
    how many were queued."""
    settings = settings or get_settings()
    content = get_content()
    queued = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        claimed, done = _enqueue_batch(session_factory, now, settings, content)
        queued += done
        if claimed < settings.tick_batch_size:
            break
    return queued


def _enqueue_batch(session_factory, now, settings, content) -> tuple[int, int]:
    with session_factory() as db:
        due = (
            select(PlannedMessage.id)
            .where(PlannedMessage.status == statuses.PLANNED, PlannedMessage.due_at <= now)
            .order_by(PlannedMessage.due_at, PlannedMessage.id)
            .limit(settings.tick_batch_size)
        )
        lease = now + timedelta(seconds=settings.send_lease_seconds)
        ids = claim_rows(
            db,
            model=PlannedMessage,
            due=due,
            status_column=PlannedMessage.status,
            expected_status=statuses.PLANNED,
            values={"claim_token": new_token(), "claimed_until": lease},
        )
        queued = sum(queue_planned(db, db.get(PlannedMessage, i), now, content) for i in ids)
        db.commit()
    return len(ids), queued


def queue_planned(
    db: Session, planned: PlannedMessage, now: datetime, content: ContentSnapshot
) -> int:
    planned.claim_token, planned.claimed_until = None, None
    patient = db.get(Patient, planned.patient_id)
    anchor = db.get(Anchor, planned.anchor_id)
    step = plans_of(content).step(planned.step_key)
    outcome = _refusal(planned, patient, anchor, step, now)
    if outcome is not None:
        planned.status, planned.status_reason = outcome
        return 0
    clinic = db.get(Clinic, patient.clinic_id)
    # The number's language and privacy level (loaded with the patient); English where a
    # text is missing, the discreet form unless the number chose detailed texts.
    number = patient.phone_number
    content = for_privacy(content.for_language(number.language), number.privacy_level)
    step = plans_of(content).step(planned.step_key) or step
    try:
        body = planned_body(step, patient=patient, clinic=clinic, anchor=anchor, content=content)
    except (KeyError, IndexError, ValueError):
        logger.exception("planned message %s: its text cannot be filled in", planned.id)
        planned.status, planned.status_reason = statuses.FAILED, "content_error"
        return 0
    message = enqueue(
        db,
        phone=patient.phone_number.e164,
        body=body,
        kind=step.message_kind,
        now=now,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        sender=clinic.sender,
        planned_message_id=planned.id,
        valid_until=_valid_until(step, planned, anchor),
    )
    message.checkin_key = step.checkin
    planned.status = statuses.QUEUED
    return 1


def _refusal(planned, patient, anchor, step, now) -> tuple[str, str] | None:
    """Why a due planned message must not be queued, as (status, reason)."""
    reason = hold_reason(patient, now)  # the same rule the schedule shows (scheduling/holds.py)
    if reason is not None:
        return statuses.SKIPPED, reason
    if (
        anchor is None
        or anchor.status != AnchorStatus.SCHEDULED
        or anchor.revision != planned.anchor_revision
    ):
        return statuses.CANCELLED, "rescheduled"
    if step is None:
        return statuses.CANCELLED, "step_removed"
    if too_late(step, due_at=planned.due_at, anchor_at=anchor.at, now=now):
        return statuses.EXPIRED, "appointment_passed" if step.is_pre_appointment else "stale"
    return None


def _valid_until(step: PlanStep, planned: PlannedMessage, anchor: Anchor) -> datetime:
    stale_at = planned.due_at + timedelta(hours=get_settings().staleness_cutoff_hours)
    return min(stale_at, anchor.at) if step.is_pre_appointment else stale_at


def planned_body(step: PlanStep, *, patient, clinic, anchor, content: ContentSnapshot) -> str:
    """The text of a plan step for this patient, from a language and privacy view."""
    values = {
        "first_name": first_name_for_text(patient.name, keep_accents=clinic.keep_name_accents),
        "clinic_name": name_in_texts(clinic, content),
        "clinic_phone": display_phone(clinic.office_phone),
        "urgent_phone": display_phone(clinic.urgent_phone),
        **format_appointment(anchor.at.astimezone(_zone(patient.timezone)), content.language),
    }
    template = checkin_question(content, step.checkin) if step.checkin else step.text or ""
    return render(template, values)


def display_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
