"""The alert domain's periodic work, run by the scheduler tick (scheduling/jobs.py TICK_STEPS).

Every step takes (session_factory, now), commits its own work and returns how many items it
handled. No sleeps anywhere: retries and re-notifications are rows with a due time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts import checkins, documents, service
from lupus_sms.alerts.clinic_webhook import deliver_due
from lupus_sms.alerts.models import Alert
from lupus_sms.alerts.service import Target
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message, PhoneNumber

BATCH = 100
LOOKBACK = timedelta(days=2)  # no_response looks at check-ins whose window closed lately


def renotify_unacknowledged(session_factory: sessionmaker[Session], now: datetime) -> int:
    """Red flags and high-priority review items nobody acknowledged are notified again, at
    any hour, until someone does."""
    content = get_content()
    with session_factory() as db:
        stmt = (
            select(Alert)
            .where(Alert.status == "open", Alert.priority == "high", Alert.next_notify_at <= now)
            .order_by(Alert.next_notify_at)
            .limit(BATCH)
        )
        if db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        alerts = list(db.scalars(stmt))
        for alert in alerts:
            clinic = db.get(Clinic, alert.clinic_id)
            service.notify(
                db, alert=alert, clinic=clinic, event="alert.reminder", now=now, content=content
            )
        db.commit()
    return len(alerts)


def expire_low_priority(session_factory: sessionmaker[Session], now: datetime) -> int:
    """Low-priority needs_review and no_response items nobody handled expire; red flags and
    high-priority items never do."""
    with session_factory() as db:
        result = db.execute(
            update(Alert)
            .where(
                Alert.status == "open",
                Alert.kind.in_(("needs_review", "no_response")),
                Alert.priority == "low",
                Alert.expires_at <= now,
            )
            .values(status="expired", next_notify_at=None, updated_at=now)
        )
        db.commit()
    return result.rowcount


def detect_no_response(session_factory: sessionmaker[Session], now: datetime) -> int:
    """An active patient who left the last N check-ins unanswered: a no_response alert.

    Only patients with a check-in whose window closed in the last couple of days are looked
    at, so the cost follows the check-ins sent, not the number of patients.
    """
    content = get_content()
    defined = checkins.checkins(content)
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
    if patient is None or patient.status != "active" or phone_number is None:
        return 0
    if phone_number.opted_out or not phone_number.e164:
        return 0
    questions = _last_checkins(db, patient.id, documents.no_response_after(content))
    if len(questions) < documents.no_response_after(content):
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
                Message.status.not_in(checkins.NOT_SENT),
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


TICK_STEPS = [
    ("alerts_renotify", renotify_unacknowledged),
    ("alerts_no_response", detect_no_response),
    ("alerts_expire", expire_low_priority),
    ("alerts_webhooks", deliver_due),
]
"""In order: re-notifications queue webhook rows and on-call SMS, which the last step and the
outbox dispatcher (after these in the tick) then send."""
