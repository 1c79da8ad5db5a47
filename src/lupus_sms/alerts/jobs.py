"""The alert domain's periodic work, run by the scheduler tick (scheduling/jobs.py `tick_steps`,
with the clinic webhooks of alerts/clinic_webhook.py).

Every step takes (session_factory, now), commits its own work and returns how many items it
handled. No sleeps anywhere: retries and re-notifications are rows with a due time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts import service
from lupus_sms.alerts.models import Alert
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.enrollment.models import Patient

BATCH = 100


def expire_alerts_of_erased_patients(session_factory: sessionmaker[Session], now: datetime) -> int:
    """The open alerts of a patient whose data was erased expire: nobody can act on them any
    more (the words and the number are gone), and they would be notified again forever."""
    erased = select(Patient.id).where(Patient.erased_at.is_not(None))
    with session_factory() as db:
        result = db.execute(
            update(Alert)
            .where(Alert.status == AlertStatus.OPEN, Alert.patient_id.in_(erased))
            .values(status=AlertStatus.EXPIRED, next_notify_at=None, updated_at=now)
        )
        db.commit()
    return result.rowcount


def renotify_unacknowledged(session_factory: sessionmaker[Session], now: datetime) -> int:
    """Red flags and high-priority review items nobody acknowledged are notified again, at
    any hour, until someone does."""
    content = get_content()
    with session_factory() as db:
        stmt = (
            select(Alert)
            .where(
                Alert.status == AlertStatus.OPEN,
                Alert.priority == "high",
                Alert.next_notify_at <= now,
            )
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
                Alert.status == AlertStatus.OPEN,
                Alert.kind.in_(("needs_review", "no_response")),
                Alert.priority == "low",
                Alert.expires_at <= now,
            )
            .values(status=AlertStatus.EXPIRED, next_notify_at=None, updated_at=now)
        )
        db.commit()
    return result.rowcount
