"""What to do with a claimed message right before it is sent: things change while a message
waits (STOP, unenrolment, a pause, the night), so they are checked at the last moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.core.config import Settings
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.delivery import phone_number_for
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.quiet_hours import SendWindow

# Safety and alert texts, and answers to a text the patient just sent, are not held for the
# night. Every other kind is.
QUIET_HOURS_EXEMPT_PREFIXES = ("alert", "safety", "urgent", "red_flag")
BLOCKING_PATIENT_STATUSES = ("opted_out", "unenrolled", "undeliverable")


@dataclass(frozen=True)
class Decision:
    action: str  # send | skip | expire | defer
    reason: str | None = None
    not_before: datetime | None = None
    validity_seconds: int | None = None


def check_before_send(db: Session, *, message: Message, now: datetime, settings: Settings):
    if message.valid_until is not None and now >= message.valid_until:
        return Decision("expire", "stale")
    phone_number = phone_number_for(db, message.phone)
    if phone_number is not None and phone_number.opted_out:
        return Decision("skip", "opted_out")
    patient = db.get(Patient, message.patient_id) if message.patient_id else None
    if patient is not None:
        refusal = _patient_refusal(patient, message, now)
        if refusal:
            return Decision("skip", refusal)
    window = window_for(db, message=message, patient=patient)
    if window is not None and not window.contains(now):
        opens = window.next_open(now)
        if message.valid_until is not None and opens >= message.valid_until:
            return Decision("expire", "stale")
        return Decision("defer", "quiet_hours", not_before=opens)
    cutoff = timedelta(hours=settings.staleness_cutoff_hours)
    return Decision("send", validity_seconds=_validity(message, window, now, cutoff))


def _patient_refusal(patient: Patient, message: Message, now: datetime) -> str | None:
    if patient.erased_at is not None:
        return "erased"
    if patient.status in BLOCKING_PATIENT_STATUSES:
        return patient.status
    if message.planned_message_id is None:
        return None  # invitations and alert texts do not need an active enrolment
    if patient.status == "pending_consent":
        return "consent_pending"
    if patient.status == "paused" and (patient.paused_until is None or patient.paused_until > now):
        return "paused"
    return None


def window_for(db: Session, *, message: Message, patient: Patient | None) -> SendWindow | None:
    if patient is None or message.in_reply_to_id is not None:
        return None
    if message.kind.startswith(QUIET_HOURS_EXEMPT_PREFIXES):
        return None
    clinic = db.get(Clinic, patient.clinic_id)
    start = clinic.send_window_start if clinic else None
    end = clinic.send_window_end if clinic else None
    return SendWindow.of(patient.timezone, start, end)


def _validity(message: Message, window: SendWindow | None, now: datetime, cutoff: timedelta) -> int:
    """Twilio may queue a backlog for hours: never let a text arrive after the window closes
    or after it went stale (Twilio then fails it with 30036, recorded as expired)."""
    limits = [now + cutoff]
    if message.valid_until is not None:
        limits.append(message.valid_until)
    if window is not None:
        limits.append(window.closes_after(now))
    return max(1, int((min(limits) - now).total_seconds()))
