"""The portal's patient page reads: the timeline, what is planned and the anchors (the
searchable list is console/patient_list.py, shared with the admin console).

Every query is scoped to one clinic and bounded: the timeline reads at most
`TIMELINE_PAGE + 1` rows from each source, newest first, on the per-patient indexes. It does
not grow with the clinic's size or the length of a history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import Alert
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.statuses import AnchorStatus
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.portal.timefmt import local_time
from lupus_sms.scheduling.holds import hold_reason
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.threads.service import URGENT_STAFF

TIMELINE_PAGE = 50
UPCOMING = 12


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # consent | inbound | outbound | staff | checkin | alert
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
    "privacy": "Privacy level chosen (discreet or detailed texts)",
}


def _message_items(db, patient, clinic, before, limit) -> list[TimelineItem]:
    stmt = enrollment.messages_query(patient, clinic)
    messages = db.scalars(_newest(stmt, Message.created_at, before, limit))
    return [_message_item(message, patient) for message in messages]


def _message_item(message: Message, patient: Patient) -> TimelineItem:
    if message.direction == "inbound":
        return TimelineItem(message.created_at, "inbound", "Patient texted", message.body)
    if message.author is not None:
        return _staff_item(message, patient)
    detail = f"error {message.error_code}" if message.error_code else message.status_reason
    title = f"Sent: {message.kind.replace('_', ' ')}"
    return TimelineItem(message.created_at, "outbound", title, message.body, message.status, detail)


def _staff_item(message: Message, patient: Patient) -> TimelineItem:
    """A text someone at the clinic wrote: who wrote it, and where it is on its way."""
    title = f"{message.author} wrote" + (" (urgent)" if message.kind == URGENT_STAFF else "")
    detail = f"error {message.error_code}" if message.error_code else message.status_reason
    waiting = message.next_attempt_at is not None and message.next_attempt_at > message.created_at
    if message.status == statuses.QUEUED and waiting:
        at = local_time(message.next_attempt_at, patient.timezone)
        detail = f"waits for the patient's send window: goes out {at}"
    return TimelineItem(message.created_at, "staff", title, message.body, message.status, detail)


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
        .where(Anchor.patient_id == patient.id, Anchor.status == AnchorStatus.SCHEDULED)
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
