"""The portal's patient reads: the searchable list and the patient's timeline.

Every query is scoped to one clinic and bounded: a page of the list is one keyset query on
the patients' primary key plus one grouped query for the page's next planned messages, and
the timeline reads at most `TIMELINE_PAGE + 1` rows from each source, newest first, on the
per-patient indexes. Neither grows with the clinic's size or the length of a history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITIES, SEVERITY_RANK, Alert
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.clinics.models import Clinic
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.scheduling.holds import hold_reason
from lupus_sms.scheduling.models import PlannedMessage

LIST_PAGE = 50
TIMELINE_PAGE = 50
UPCOMING = 12
SEARCH_MAX = 80
MIN_PHONE_DIGITS = 4


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    next_due_at: datetime | None
    open_alerts: int = 0
    worst_severity: str | None = None  # of its open alerts, for the list's marker


@dataclass(frozen=True)
class PatientPage:
    rows: list[PatientRow]
    next_after: int | None  # the id to continue after (keyset), None on the last page


def list_page(
    db: Session,
    *,
    clinic_id: int,
    search: str = "",
    status: str | None = None,
    after: int | None = None,
    limit: int = LIST_PAGE,
) -> PatientPage:
    """Newest enrolments first; `search` matches a name, an external id or a phone's last
    digits."""
    stmt = enrollment.list_patients_query(clinic_id=clinic_id, status=status)
    stmt = _searched(stmt, search.strip()[:SEARCH_MAX])
    if after is not None:
        stmt = stmt.where(Patient.id < after)
    patients = list(db.scalars(stmt.order_by(Patient.id.desc()).limit(limit + 1)))
    more = len(patients) > limit
    patients = patients[:limit]
    ids = [patient.id for patient in patients]
    due = next_due(db, ids)
    alerts = open_alerts(db, ids)
    rows = [
        PatientRow(patient, due.get(patient.id), *alerts.get(patient.id, (0, None)))
        for patient in patients
    ]
    return PatientPage(rows, patients[-1].id if more else None)


def _searched(stmt: Select, search: str) -> Select:
    if not search:
        return stmt
    matches = [
        func.lower(Patient.name).contains(search.lower(), autoescape=True),
        Patient.external_id == search,
    ]
    digits = re.sub(r"\D", "", search)
    if len(digits) >= MIN_PHONE_DIGITS and not re.search(r"[A-Za-z]", search):
        number_ids = select(PhoneNumber.id).where(PhoneNumber.e164.endswith(digits))
        matches.append(Patient.phone_number_id.in_(number_ids))
    return stmt.where(Patient.erased_at.is_(None), or_(*matches))


def next_due(db: Session, patient_ids: list[int]) -> dict[int, datetime]:
    """The next planned message of each patient (one grouped query for a page)."""
    if not patient_ids:
        return {}
    rows = db.execute(
        select(PlannedMessage.patient_id, func.min(PlannedMessage.due_at))
        .where(
            PlannedMessage.patient_id.in_(patient_ids),
            PlannedMessage.status == statuses.PLANNED,
        )
        .group_by(PlannedMessage.patient_id)
    )
    return {patient_id: _aware(due_at) for patient_id, due_at in rows}


def open_alerts(db: Session, patient_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each patient's open alerts: how many, and the most urgent severity among them."""
    if not patient_ids:
        return {}
    rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK))
    rows = db.execute(
        select(Alert.patient_id, func.count(), func.min(rank))
        .where(Alert.patient_id.in_(patient_ids), Alert.status == "open")
        .group_by(Alert.patient_id)
    )
    return {patient_id: (count, SEVERITIES[worst]) for patient_id, count, worst in rows}


def _aware(value: datetime) -> datetime:
    # An aggregate may come back without the column type's conversion on SQLite.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # consent | inbound | outbound | checkin | alert
    title: str
    body: str | None = None
    status: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Timeline:
    items: list[TimelineItem]
    older_than: datetime | None  # where the next (older) page starts, None at the beginning


def timeline(
    db: Session,
    *,
    patient: Patient,
    clinic: Clinic,
    before: datetime | None = None,
    limit: int = TIMELINE_PAGE,
) -> Timeline:
    """Consent events, texts both ways, check-in answers and alerts, newest first.

    `before` is inclusive: a page ends just after an instant it shows nothing of, so events
    sharing one instant are never split between pages."""
    items: list[TimelineItem] = []
    for source in (_consent_items, _message_items, _checkin_items, _alert_items):
        items += source(db, patient, clinic, before, limit + 1)
    items.sort(key=lambda item: item.at, reverse=True)
    if len(items) <= limit:
        return Timeline(items, None)
    boundary = items[limit].at
    shown = [item for item in items[:limit] if item.at > boundary] or items[:limit]
    return Timeline(shown, boundary)


def _newest(stmt: Select, column, before: datetime | None, limit: int) -> Select:
    if before is not None:
        stmt = stmt.where(column <= before)
    return stmt.order_by(column.desc()).limit(limit)


def _consent_items(db, patient, clinic, before, limit) -> list[TimelineItem]:
    stmt = select(ConsentEvent).where(ConsentEvent.patient_id == patient.id)
    events = db.scalars(_newest(stmt, ConsentEvent.occurred_at, before, limit))
    return [
        TimelineItem(
            event.occurred_at,
            "consent",
            CONSENT_TITLES.get(event.kind, event.kind.replace("_", " ")),
            body=event.note,
            detail=f"source: {event.source.replace('_', ' ')}",
        )
        for event in events
    ]


CONSENT_TITLES = {
    "invited": "Consent invitation sent",
    "confirmed": "Consent confirmed (replied YES)",
    "opted_out": "Opted out",
    "opted_in": "Opted back in",
    "unenrolled": "Unenrolled",
    "carrier_blocked": "Blocked by the carrier (Twilio error 21610)",
}


def _message_items(db, patient, clinic, before, limit) -> list[TimelineItem]:
    stmt = enrollment.messages_query(patient, clinic)
    messages = db.scalars(_newest(stmt, Message.created_at, before, limit))
    return [_message_item(message) for message in messages]


def _message_item(message: Message) -> TimelineItem:
    if message.direction == "inbound":
        return TimelineItem(message.created_at, "inbound", "Patient texted", message.body)
    detail = f"error {message.error_code}" if message.error_code else message.status_reason
    title = f"Sent: {message.kind.replace('_', ' ')}"
    return TimelineItem(message.created_at, "outbound", title, message.body, message.status, detail)


def _checkin_items(db, patient, clinic, before, limit) -> list[TimelineItem]:
    stmt = select(CheckinAnswer).where(CheckinAnswer.patient_id == patient.id)
    answers = db.scalars(_newest(stmt, CheckinAnswer.created_at, before, limit))
    return [
        TimelineItem(
            answer.created_at,
            "checkin",
            f"Check-in answer: {answer.checkin_key.replace('_', ' ')}",
            body=answer.text,
            status="red flag" if answer.red_flag else answer.status,
            detail=_answer_detail(answer),
        )
        for answer in answers
    ]


def _answer_detail(answer: CheckinAnswer) -> str | None:
    parts = [answer.meaning and answer.meaning.replace("_", " ")]
    if answer.temperature_c is not None:
        parts.append(f"{answer.temperature_c:.1f} °C")
    return ", ".join(part for part in parts if part) or None


def _alert_items(db, patient, clinic, before, limit) -> list[TimelineItem]:
    stmt = select(Alert).where(Alert.patient_id == patient.id, Alert.clinic_id == clinic.id)
    alerts = db.scalars(_newest(stmt, Alert.created_at, before, limit))
    return [
        TimelineItem(
            alert.created_at,
            "alert",
            f"Alert: {ALERT_TITLES.get(alert.kind, alert.kind)}",
            body=alert.text,
            status=alert.status,
            detail=_alert_detail(alert),
        )
        for alert in alerts
    ]


ALERT_TITLES = {
    "red_flag": "red flag",
    "no_response": "no response",
    "needs_review": "needs review",
}


def _alert_detail(alert: Alert) -> str | None:
    parts = []
    if alert.categories:
        parts.append(alert.categories.replace(",", ", ").replace("_", " "))
    if alert.acknowledged_by:
        note = f": {alert.acknowledge_note}" if alert.acknowledge_note else ""
        parts.append(f"acknowledged by {alert.acknowledged_by}{note}")
    return "; ".join(parts) or None


@dataclass(frozen=True)
class UpcomingMessage:
    due_at: datetime
    step: str
    anchor_kind: str
    hold: str | None = None  # why it will not go out as things stand (scheduling/holds.py)


def upcoming(db: Session, *, patient: Patient, limit: int = UPCOMING) -> list[UpcomingMessage]:
    """The next planned messages, soonest first, each with the reason it would not go out."""
    rows = db.execute(
        select(PlannedMessage.due_at, PlannedMessage.step_key, Anchor.kind)
        .join(Anchor, Anchor.id == PlannedMessage.anchor_id)
        .where(
            PlannedMessage.patient_id == patient.id,
            PlannedMessage.status == statuses.PLANNED,
        )
        .order_by(PlannedMessage.due_at, PlannedMessage.id)
        .limit(limit)
    )
    return [
        UpcomingMessage(due_at, step, kind, hold_reason(patient, due_at))
        for due_at, step, kind in rows
    ]


def anchors(db: Session, *, patient: Patient) -> list[Anchor]:
    """Scheduled appointments and milestones, soonest first."""
    stmt = (
        select(Anchor)
        .where(Anchor.patient_id == patient.id, Anchor.status == "scheduled")
        .order_by(Anchor.at, Anchor.id)
    )
    return list(db.scalars(stmt))


def masked_phone(e164: str | None) -> str:
    """The last four digits: enough to match what the patient says, not to dial."""
    if not e164:
        return "erased"
    return f"•••{e164[-4:]}"


def dialled_phone(e164: str, country: str) -> str:
    """The number as staff dial it: national form at home, international otherwise."""
    number = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(number) == country
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
