"""The check-ins' periodic work, run by the scheduler tick (scheduling/jobs.py `tick_steps`):
silence is a signal. Each step takes (session_factory, now), commits its own work and returns
how many items it handled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts import service
from lupus_sms.alerts.models import Alert
from lupus_sms.alerts.service import Target
from lupus_sms.checkins.answers import NOT_SENT
from lupus_sms.checkins.document import checkins, no_response_after
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message, PhoneNumber

LOOKBACK = timedelta(days=2)  # no_response looks at check-ins whose window closed lately


def detect_no_response(session_factory: sessionmaker[Session], now: datetime) -> int:
    """An active patient who left the last N check-ins unanswered: a no_response alert.

    Only patients with a check-in whose window closed in the last couple of days are looked
    at, so the cost follows the check-ins sent, not the number of patients.
    """
    content = get_content()
    defined = checkins(content)
    if not defined:
        return 0
    shortest = min(c.window for c in defined.values())
    longest = max(c.window for c in defined.values())
    sent = Message.sent_at  # questions still queued were never asked
    with session_factory() as db:
        patient_ids = db.scalars(
            select(Message.patient_id)
            .where(
                Message.direction == "outbound",
                Message.checkin_key.is_not(None),
                Message.patient_id.is_not(None),
                sent <= now - shortest,
                sent >= now - longest - LOOKBACK,
            )
            .distinct()
        ).all()
        raised = sum(
            _check_patient(db, patient_id, now, content, defined) for patient_id in patient_ids
        )
        db.commit()
    return raised


def _check_patient(db: Session, patient_id: int, now: datetime, content, defined) -> int:
    patient = db.get(Patient, patient_id)
    phone_number = db.get(PhoneNumber, patient.phone_number_id) if patient else None
    if patient is None or patient.status != PatientStatus.ACTIVE or phone_number is None:
        return 0
    if phone_number.opted_out or not phone_number.e164:
        return 0
    questions = _last_checkins(db, patient.id, no_response_after(content))
    if len(questions) < no_response_after(content):
        return 0
    if any(_still_open(q, defined, now) for q in questions):
        return 0
    oldest = _sent(questions[-1])
    if _replied_since(db, phone_number.e164, oldest) or _already_raised(db, patient.id, oldest):
        return 0
    service.open_alert(
        db,
        target=Target(db.get(Clinic, patient.clinic_id), patient),
        kind="no_response",
        now=now,
        content=content,
        checkin_key=questions[0].checkin_key,
    )
    return 1


def _last_checkins(db: Session, patient_id: int, count: int) -> list[Message]:
    sent = Message.sent_at
    return list(
        db.scalars(
            select(Message)
            .where(
                Message.patient_id == patient_id,
                Message.direction == "outbound",
                Message.checkin_key.is_not(None),
                Message.status.not_in(NOT_SENT),
                Message.sent_at.is_not(None),  # a question still queued was never asked
            )
            .order_by(sent.desc(), Message.id.desc())
            .limit(count)
        )
    )


def _sent(message: Message) -> datetime:
    return message.sent_at or message.created_at  # only sent questions get here


def _still_open(question: Message, defined, now: datetime) -> bool:
    checkin = defined.get(question.checkin_key or "")
    window = checkin.window if checkin else timedelta(hours=24)
    return _sent(question) + window > now


def _replied_since(db: Session, phone: str, since: datetime) -> bool:
    return (
        db.scalar(
            select(Message.id)
            .where(
                Message.direction == "inbound", Message.phone == phone, Message.created_at >= since
            )
            .limit(1)
        )
        is not None
    )


def _already_raised(db: Session, patient_id: int, since: datetime) -> bool:
    return (
        db.scalar(
            select(Alert.id)
            .where(
                Alert.patient_id == patient_id,
                Alert.kind == "no_response",
                Alert.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )
