"""The alerts of the inbox: how one reads (kind, severity, the categories as people say them,
the check-ins a no-response item went without), and the closed ones, newest first.

The open alerts share one list with the conversations (portal/inbox.py). The closed list
uses the (clinic, status, created) index of `alerts` and is bounded however many alerts a
clinic has had: it pages (keyset, the address holding one alert's id), so every alert stays
reachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITY_RANK, Alert
from lupus_sms.core.errors import NotFoundError
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message
from lupus_sms.portal import keyset

CLOSED_LIMIT = 50
UNANSWERED_SHOWN = 5
KIND_LABELS = {"red_flag": "Red flag", "no_response": "No response", "needs_review": "Needs review"}
SEVERITY_LABELS = {
    "critical": "Critical",
    "urgent": "Urgent",
    "high": "Look soon",
    "routine": "Routine",
}


@dataclass(frozen=True)
class AlertItem:
    alert: Alert
    patient_label: str
    categories: tuple[str, ...] = ()  # labels of its red-flag categories
    unanswered: tuple[Message, ...] = ()  # for a no-response item: the questions sent
    kind = "alert"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.alert.kind, self.alert.kind)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.alert.severity, self.alert.severity)


@dataclass(frozen=True)
class ClosedAlerts:
    items: list[AlertItem]
    newer: bool  # closed alerts before this page (newer ones)
    older: bool


def rank(alert: Alert) -> int:
    """Where an alert's severity puts it in the open list (0: most urgent)."""
    return SEVERITY_RANK.get(alert.severity, len(SEVERITY_RANK))


def get_alert(db: Session, *, clinic_id: int, alert_id: int) -> Alert:
    alert = db.get(Alert, alert_id)
    if alert is None or alert.clinic_id != clinic_id:
        raise NotFoundError("No such alert in this clinic.")
    return alert


def closed(
    db: Session, *, clinic_id: int, labels: dict[str, str], at: keyset.Position | None = None
) -> ClosedAlerts:
    """A page of closed alerts, newest first, just after or before the alert `at` names."""
    stmt = select(Alert).where(
        Alert.clinic_id == clinic_id,
        Alert.status.in_((AlertStatus.ACKNOWLEDGED, AlertStatus.EXPIRED)),
    )
    boundary = None
    if at is not None:
        alert = get_alert(db, clinic_id=clinic_id, alert_id=at.row_id)
        boundary = (alert.created_at, alert.id)
    newest_first = ((Alert.created_at, True), (Alert.id, True))
    found = keyset.page(db, stmt, newest_first, boundary, at is None or at.after, CLOSED_LIMIT)
    items = with_patients(db, [row[0] for row in found.rows], labels)
    return ClosedAlerts(items, newer=found.earlier, older=found.later)


def with_patients(db: Session, alerts: list[Alert], labels: dict[str, str]) -> list[AlertItem]:
    ids = {alert.patient_id for alert in alerts if alert.patient_id}
    patients = patients_by_id(db, ids)
    questions = _unanswered(db, [a for a in alerts if a.kind == "no_response"])
    return [
        AlertItem(
            alert,
            patient_label(patients.get(alert.patient_id)),
            tuple(
                labels.get(c, c.replace("_", " ")) for c in (alert.categories or "").split(",") if c
            ),
            questions.get(alert.id, ()),
        )
        for alert in alerts
    ]


def patients_by_id(db: Session, ids: set[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    return {p.id: p for p in db.scalars(select(Patient).where(Patient.id.in_(ids)))}


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
    """How long an item has waited, in the largest sensible unit ("3 h 5 min")."""
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
    stmt = select(func.max(Alert.id)).where(
        Alert.clinic_id == clinic_id, Alert.status == AlertStatus.OPEN
    )
    return db.scalar(stmt)
