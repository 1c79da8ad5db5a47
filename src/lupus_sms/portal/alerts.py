"""The alerts inbox: open items by severity (critical red flags, urgent red flags, high-priority
review items, then the routine ones), and within one severity the longest waiting first;
below them the most recently closed ones. Acknowledging goes through the alerts service.

Both reads use the (clinic, status, ...) indexes of `alerts` and are bounded, however many
alerts a clinic has had: each list pages (keyset, the address holding one alert's id), so every
alert stays reachable. A no-response item shows which check-ins went unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITY_RANK, Alert
from lupus_sms.core.errors import NotFoundError
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message

OPEN_LIMIT = 200
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
    more_open: bool  # open alerts after this page
    closed: list[InboxItem]
    earlier_open: bool = False  # open alerts before this page
    older_closed: bool = False
    newer_closed: bool = False


@dataclass(frozen=True)
class Position:
    """Where a page of one list starts: just `after` (or just `before`) the alert with this id,
    in that list's order. Only an id travels in the address; its place in the order is read
    from the alert itself, which keeps it even once closed (alerts are never deleted)."""

    alert_id: int
    after: bool = True


def inbox(
    db: Session,
    *,
    clinic_id: int,
    labels: dict[str, str] | None = None,
    open_at: Position | None = None,
    closed_at: Position | None = None,
) -> Inbox:
    """A page of open items (by severity, then longest waiting), and of closed ones (newest
    first); every alert is reachable page by page, in pages of a bounded size."""
    rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK))
    clinic_alerts = select(Alert).where(Alert.clinic_id == clinic_id)
    oldest_first = ((rank, False), (Alert.created_at, False), (Alert.id, False))
    open_rows, earlier, later = _page(
        db, clinic_alerts.where(Alert.status == AlertStatus.OPEN), oldest_first,
        _boundary(db, clinic_id, open_at, lambda a: (_rank(a), a.created_at, a.id)),
        open_at, OPEN_LIMIT,
    )  # fmt: skip
    closed = clinic_alerts.where(Alert.status.in_(("acknowledged", "expired")))
    newest_first = ((Alert.created_at, True), (Alert.id, True))
    closed_rows, newer, older = _page(
        db, closed, newest_first,
        _boundary(db, clinic_id, closed_at, lambda a: (a.created_at, a.id)),
        closed_at, CLOSED_LIMIT,
    )  # fmt: skip
    return Inbox(
        _with_patients(db, open_rows, labels or {}), later,
        _with_patients(db, closed_rows, labels or {}),
        earlier_open=earlier, older_closed=older, newer_closed=newer,
    )  # fmt: skip


def _rank(alert: Alert) -> int:
    return SEVERITY_RANK.get(alert.severity, len(SEVERITY_RANK))


def _boundary(db: Session, clinic_id: int, at: Position | None, values) -> tuple | None:
    if at is None:
        return None
    alert = db.get(Alert, at.alert_id)
    if alert is None or alert.clinic_id != clinic_id:
        raise NotFoundError("No such alert in this clinic.")
    return values(alert)


def _page(db: Session, stmt, order: tuple, boundary, at: Position | None, limit: int):
    """(rows, rows before them?, rows after them?): a keyset page of `stmt` in `order`
    ((column, descending?) pairs), starting just after or just before `boundary`."""
    forward = at is None or at.after
    columns = [column for column, _ in order]
    descending = [is_desc for _, is_desc in order]
    if boundary is not None:
        stmt = stmt.where(_beyond(columns, descending, boundary, forward))
    direction = [
        column.desc() if is_desc == forward else column.asc()
        for column, is_desc in zip(columns, descending, strict=True)
    ]
    rows = list(db.scalars(stmt.order_by(*direction).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if forward:
        return rows, at is not None, more
    return rows[::-1], more, True


def _beyond(columns, descending, values, forward: bool):
    """Rows strictly after (forward) or before `values` in the order of `columns`."""
    clauses = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        later = (column < value) if descending[index] == forward else (column > value)
        same = [c == v for c, v in zip(columns[:index], values[:index], strict=True)]
        clauses.append(and_(*same, later))
    return or_(*clauses)


def _with_patients(db: Session, alerts: list[Alert], labels: dict[str, str]) -> list[InboxItem]:
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
    stmt = select(func.max(Alert.id)).where(
        Alert.clinic_id == clinic_id, Alert.status == AlertStatus.OPEN
    )
    return db.scalar(stmt)
