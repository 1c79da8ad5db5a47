"""What to do with a claimed message right before it is sent: things change while a message
waits (STOP, unenrolment, a pause, the night), so they are checked at the last moment.

A claimed batch is checked with one query (`load_candidates`: the message, its number's
opt-out and carrier block, the patient's status, pause and time zone, the clinic's send
window, and what the message was queued for), then each message is decided in memory
(`decide`).

Every queued text was queued for a reason, and a reason can go while the text waits (a
backlog, the night, a rate limit). Such a text is `cancelled`, never sent (`reason_gone`):

  consent invitation   its enrolment still waits for the patient's YES (not answered by a
                       YES already, not unenrolled, erased or ended by the clinic)
  planned reminder     its appointment or milestone is still scheduled at the time it was
  or check-in          planned for (the same revision)
  reply to a text      `valid_until` (expired instead when too late)
  alert SMS            none: a red flag's on-call text always goes
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.quiet_hours import SendWindow
from lupus_sms.core.config import Settings
from lupus_sms.core.statuses import AnchorStatus, PatientStatus
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.scheduling.models import PlannedMessage

# Safety and alert texts, and answers to a text the patient just sent (a bot's reply, a staff
# message answering a recent text, threads/service.py), are not held for the night, nor a
# staff message marked urgent. Every other kind is.
QUIET_HOURS_EXEMPT_PREFIXES = ("alert", "safety", "urgent", "red_flag", "staff_reply")
BLOCKING_PATIENT_STATUSES = (
    PatientStatus.OPTED_OUT,
    PatientStatus.UNENROLLED,
    PatientStatus.UNDELIVERABLE,
)
INVITATION = "consent_invitation"


@dataclass(frozen=True)
class Decision:
    action: str  # send | skip | expire | cancel | defer
    reason: str | None = None
    not_before: datetime | None = None
    validity_seconds: int | None = None


@dataclass(frozen=True)
class PatientState:
    status: str
    paused_until: datetime | None
    erased_at: datetime | None
    timezone: str
    window_start: str | None
    window_end: str | None


@dataclass(frozen=True)
class Candidate:
    """A claimed message with everything its pre-send check needs."""

    id: int
    phone: str | None
    body: str | None
    sender: str | None
    segments: int | None
    kind: str
    planned_message_id: int | None
    in_reply_to_id: int | None
    valid_until: datetime | None
    opted_out: bool
    patient: PatientState | None
    reason_gone: str | None = None  # why it is no longer wanted (module docstring)
    # Twilio blocks the number (enrollment/carrier_block.py): nothing planned goes to it.
    carrier_blocked: bool = False


_COLUMNS = (
    Message.id,
    Message.phone,
    Message.body,
    Message.sender,
    Message.segments,
    Message.kind,
    Message.planned_message_id,
    Message.in_reply_to_id,
    Message.valid_until,
    PhoneNumber.opted_out,
    PhoneNumber.carrier_blocked_at,
    Patient.id.label("patient_row"),
    Patient.status.label("patient_status"),
    Patient.paused_until,
    Patient.erased_at,
    Patient.timezone,
    Clinic.send_window_start,
    Clinic.send_window_end,
    PlannedMessage.anchor_revision.label("planned_revision"),
    Anchor.status.label("anchor_status"),
    Anchor.revision.label("anchor_revision"),
)
_CANDIDATES = (
    select(*_COLUMNS)
    .outerjoin(PhoneNumber, PhoneNumber.e164 == Message.phone)
    .outerjoin(Patient, Patient.id == Message.patient_id)
    .outerjoin(Clinic, Clinic.id == Patient.clinic_id)
    .outerjoin(PlannedMessage, PlannedMessage.id == Message.planned_message_id)
    .outerjoin(Anchor, Anchor.id == PlannedMessage.anchor_id)
    .order_by(Message.next_attempt_at, Message.id)
)


def load_candidates(db: Session, *, ids: list[int], token: str) -> list[Candidate]:
    """The claimed rows still held with `token`, in sending order, in one query."""
    if not ids:
        return []
    rows = db.execute(_CANDIDATES.where(Message.id.in_(ids), Message.claim_token == token))
    return [_candidate(row) for row in rows]


def _candidate(row) -> Candidate:
    patient = None
    if row.patient_row is not None:
        patient = PatientState(
            row.patient_status,
            row.paused_until,
            row.erased_at,
            row.timezone,
            row.send_window_start,
            row.send_window_end,
        )
    return Candidate(
        row.id,
        row.phone,
        row.body,
        row.sender,
        row.segments,
        row.kind,
        row.planned_message_id,
        row.in_reply_to_id,
        row.valid_until,
        bool(row.opted_out),
        patient,
        _reason_gone(row),
        row.carrier_blocked_at is not None,
    )


def _reason_gone(row) -> str | None:
    if row.kind == INVITATION and row.patient_row is not None:
        if row.erased_at is not None or row.patient_status == PatientStatus.UNENROLLED:
            return "enrolment_ended"
        if row.patient_status in (PatientStatus.ACTIVE, PatientStatus.PAUSED):
            return "consent_answered"
    if row.planned_message_id is not None and (
        row.anchor_status != AnchorStatus.SCHEDULED or row.anchor_revision != row.planned_revision
    ):
        return "rescheduled"
    return None


def decide(candidate: Candidate, *, now: datetime, settings: Settings) -> Decision:
    if candidate.valid_until is not None and now >= candidate.valid_until:
        return Decision("expire", "stale")
    if candidate.opted_out:
        return Decision("skip", "opted_out")
    if candidate.reason_gone:
        return Decision("cancel", candidate.reason_gone)
    if candidate.carrier_blocked and candidate.planned_message_id is not None:
        return Decision("skip", "carrier_blocked")
    patient = candidate.patient
    if patient is not None:
        refusal = _patient_refusal(patient, candidate, now)
        if refusal:
            return Decision("skip", refusal)
    window = window_for(candidate)
    if window is not None and not window.contains(now):
        opens = window.next_open(now)
        if candidate.valid_until is not None and opens >= candidate.valid_until:
            return Decision("expire", "stale")
        return Decision("defer", "quiet_hours", not_before=opens)
    cutoff = timedelta(hours=settings.staleness_cutoff_hours)
    return Decision("send", validity_seconds=_validity(candidate, window, now, cutoff))


def _patient_refusal(patient: PatientState, candidate: Candidate, now: datetime) -> str | None:
    if patient.erased_at is not None:
        return "erased"
    if patient.status in BLOCKING_PATIENT_STATUSES:
        return patient.status
    if candidate.planned_message_id is None:
        return None  # invitations and alert texts do not need an active enrolment
    if patient.status == PatientStatus.PENDING_CONSENT:
        return "consent_pending"
    if patient.status == PatientStatus.PAUSED and (
        patient.paused_until is None or patient.paused_until > now
    ):
        return "paused"
    return None


def window_for(candidate: Candidate) -> SendWindow | None:
    patient = candidate.patient
    if patient is None or candidate.in_reply_to_id is not None:
        return None
    if candidate.kind.startswith(QUIET_HOURS_EXEMPT_PREFIXES):
        return None
    return SendWindow.of(patient.timezone, patient.window_start, patient.window_end)


def _validity(
    candidate: Candidate, window: SendWindow | None, now: datetime, cutoff: timedelta
) -> int:
    """Twilio may queue a backlog for hours: never let a text arrive after the window closes
    or after it went stale (Twilio then fails it with 30036, recorded as expired)."""
    limits = [now + cutoff]
    if candidate.valid_until is not None:
        limits.append(candidate.valid_until)
    if window is not None:
        limits.append(window.closes_after(now))
    return max(1, int((min(limits) - now).total_seconds()))
