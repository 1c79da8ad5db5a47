"""The alerts inbox: open red flags first, then the other open items, newest first, and
below them the most recently closed ones. Acknowledging goes through the alerts service.

Both reads use `ix_alerts_clinic_status_created` (clinic, status, created_at) and are
bounded, however many alerts a clinic has had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import Alert
from lupus_sms.enrollment.models import Patient

OPEN_LIMIT = 200
CLOSED_LIMIT = 20
KIND_LABELS = {"red_flag": "Red flag", "no_response": "No response", "needs_review": "Needs review"}


@dataclass(frozen=True)
class InboxItem:
    alert: Alert
    patient_label: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.alert.kind, self.alert.kind)


@dataclass(frozen=True)
class Inbox:
    open: list[InboxItem]
    more_open: bool
    closed: list[InboxItem]


def inbox(db: Session, *, clinic_id: int) -> Inbox:
    red_first = case((Alert.kind == "red_flag", 0), else_=1)
    open_rows = _with_patients(
        db,
        select(Alert)
        .where(Alert.clinic_id == clinic_id, Alert.status == "open")
        .order_by(red_first, Alert.created_at.desc(), Alert.id.desc())
        .limit(OPEN_LIMIT + 1),
    )
    closed_rows = _with_patients(
        db,
        select(Alert)
        .where(Alert.clinic_id == clinic_id, Alert.status.in_(("acknowledged", "expired")))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(CLOSED_LIMIT),
    )
    return Inbox(open_rows[:OPEN_LIMIT], len(open_rows) > OPEN_LIMIT, closed_rows)


def _with_patients(db: Session, stmt) -> list[InboxItem]:
    alerts = list(db.scalars(stmt))
    ids = {alert.patient_id for alert in alerts if alert.patient_id}
    patients = {p.id: p for p in db.scalars(select(Patient).where(Patient.id.in_(ids)))}
    return [InboxItem(alert, patient_label(patients.get(alert.patient_id))) for alert in alerts]


def patient_label(patient: Patient | None) -> str:
    if patient is None:
        return "Unknown number"
    if patient.erased_at is not None:
        return f"Patient #{patient.id} (erased)"
    return patient.name or f"Patient #{patient.id}"


def waited(since: datetime, now: datetime) -> str:
    """How long an alert has waited, in the largest sensible unit ("3 h 5 min")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def newest_open_id(db: Session, *, clinic_id: int) -> int | None:
    """The newest open alert's id: a change tells the inbox to refresh even when one alert
    was acknowledged and another opened between two polls (same count)."""
    stmt = select(func.max(Alert.id)).where(Alert.clinic_id == clinic_id, Alert.status == "open")
    return db.scalar(stmt)
