"""Why a planned message would not go out: one rule for the tick and for the schedule a
clinic reads.

The tick applies it when a message falls due (and records the outcome as `skipped`). The
schedule (API and portal) applies it when it is read, to every message still waiting, so an
opted-out, paused or unenrolled patient's schedule says what will not go out and why. The
planned rows themselves are never rewritten for this: when the patient resumes or texts
START, whatever is still due goes out as planned.
"""

from __future__ import annotations

from datetime import datetime

from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging import statuses

# Statuses of a message that has not been handed to Twilio yet.
WAITING = (statuses.PLANNED, statuses.QUEUED)

# Reason -> how clinic staff read it ("Not going out: ...").
HOLD_LABELS = {
    "erased": "the patient's personal data was erased",
    "opted_out": "the patient opted out (texted STOP)",
    "unenrolled": "the patient is unenrolled",
    "undeliverable": "the number cannot take texts",
    "pending_consent": "the patient has not replied YES yet",
    "paused": "reminders are paused",
    "carrier_blocked": "the carrier blocks texts to this number until it texts START",
}


def hold_reason(patient: Patient | None, at: datetime) -> str | None:
    """Why a message due at `at` would not be sent to `patient` (a HOLD_LABELS key), or None
    when it goes out."""
    if patient is None or patient.erased_at is not None or patient.phone_number.e164 is None:
        return "erased"
    if patient.phone_number.opted_out:
        return "opted_out"
    if patient.status in (
        PatientStatus.OPTED_OUT,
        PatientStatus.UNENROLLED,
        PatientStatus.UNDELIVERABLE,
        PatientStatus.PENDING_CONSENT,
    ):
        return patient.status
    if patient.phone_number.carrier_blocked_at is not None:
        return "carrier_blocked"  # Twilio would refuse it (error 21610)
    if patient.status == PatientStatus.PAUSED and (
        patient.paused_until is None or patient.paused_until > at
    ):
        return "paused"
    return None


def hold_label(reason: str | None, patient: Patient, local_until: str = "") -> str | None:
    """The reason in words; a pause with an end date says when sending resumes."""
    if reason is None:
        return None
    label = HOLD_LABELS.get(reason, reason.replace("_", " "))
    if reason == "paused" and patient.paused_until is not None and local_until:
        label += f" until {local_until}"
    return label
