"""The alerts inbox: open items by severity (critical red flags, urgent red flags, high-priority
review items, then the routine ones), and within one severity the longest waiting first;
below them the most recently closed ones. Acknowledging goes through the alerts service.

Both reads use the (clinic, status, ...) indexes of `alerts` and are bounded, however many
alerts a clinic has had. A no-response item shows which check-ins went unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITY_RANK, Alert
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message

OPEN_LIMIT = 200
CLOSED_LIMIT = 20
UNANSWERED_SHOWN = 5
KIND_LABELS = {"red_flag": "Red flag", "no_response": "No response", "needs_review": "Needs review"}
SEVERITY_LABELS = {
    "critical": "Critical",
    "urgent": "Urgent",
    "high": "Look soon",
    "routine": "Routine",
}


@dataclass(frozen=True)
class InboxItem:
    alert: Alert
    patient_label: str
    categories: tuple[str, ...] = ()  # labels of its red-flag categories
    unanswered: tuple[Message, ...] = ()  # for a no-response item: the questions sent

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.alert.kind, self.alert.kind)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.alert.severity, self.alert.severity)


@dataclass(frozen=True)
class Inbox:
    open: list[InboxItem]
    more_open: bool
    closed: list[InboxItem]


def inbox(db: Session, *, clinic_id: int, labels: dict[str, str] | None = None) -> Inbox:
    """The open items by severity, then longest waiting; the latest closed ones."""
    rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK))
    open_rows = _with_patients(
        db,
        select(Alert)
        .where(Alert.clinic_id == clinic_id, Alert.status == "open")
        .order_by(rank, Alert.created_at, Alert.id)
        .limit(OPEN_LIMIT + 1),
        labels or {},
    )
    closed_rows = _with_patients(
        db,
        select(Alert)
        .where(Alert.clinic_id == clinic_id, Alert.status.in_(("acknowledged", "expired")))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(CLOSED_LIMIT),
        labels or {},
    )
    return Inbox(open_rows[:OPEN_LIMIT], len(open_rows) > OPEN_LIMIT, closed_rows)


def _with_patients(db: Session, stmt, labels: dict[str, str]) -> list[InboxItem]:
    alerts = list(db.scalars(stmt))
    ids = {alert.patient_id for alert in alerts if alert.patient_id}
    patients = {p.id: p for p in db.scalars(select(Patient).where(Patient.id.in_(ids)))}
    questions = _unanswered(db, [a for a in alerts if a.kind == "no_response"])
    return [
        InboxItem(
            alert,
            patient_label(patients.get(alert.patient_id)),
            tuple(
                labels.get(c, c.replace("_", " ")) for c in (alert.categories or "").split(",") if c
            ),
            questions.get(alert.id, ()),
        )
        for alert in alerts
    ]


def _unanswered(db: Session, alerts: list[Alert]) -> dict[int, tuple[Message, ...]]:
    """The last check-in questions each no-response patient was sent before the alert."""
    found: dict[int, tuple[Message, ...]] = {}
    for alert in alerts:
        stmt = (
            select(Message)
            .where(
                Message.patient_id == alert.patient_id,
                Message.direction == "outbound",
                Message.checkin_key.is_not(None),
                Message.sent_at.is_not(None),
                Message.sent_at <= alert.created_at,
            )
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(UNANSWERED_SHOWN)
        )
        found[alert.id] = tuple(db.scalars(stmt))
    return found


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
