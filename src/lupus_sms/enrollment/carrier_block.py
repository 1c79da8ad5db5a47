"""Numbers Twilio blocks, which may differ from numbers that opted out with us.

Twilio keeps its own opt-out list. It adds a number when it takes an opt-out word itself
(its English defaults, or the words Advanced Opt-Out adds) and removes it only when it takes
an opt-in word. A word it does not know (COMENZAR without Advanced Opt-Out) opts the patient
in with us but not with Twilio: every later send then fails with error 21610. So we keep
Twilio's list beside ours (`PhoneNumber.carrier_blocked_at`):

- set when Twilio takes an opt-out word, and on error 21610 from any send (the API call or a
  status callback, as TwiML replies report it);
- cleared when Twilio takes an opt-in word, or delivers a text to the number again.

While it is set, nothing planned is sent (scheduling/enqueue.py, scheduling/precheck.py); the
patient view and the portal show it, and a consent event tells the clinic why.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lupus_sms.core.phones import mask_phone
from lupus_sms.core.statuses import ConsentEventKind, PatientStatus
from lupus_sms.enrollment.models import ConsentEvent, Patient
from lupus_sms.messaging.models import PhoneNumber

logger = logging.getLogger(__name__)
BLOCKED_BY_21610 = (
    "Twilio refused a text with error 21610: this number opted out with Twilio, which "
    "blocks every text to it until the patient texts START (Twilio's opt-in word). Nothing "
    "planned is sent meanwhile."
)
STILL_BLOCKED = (
    "{word} opted the patient back in with us, but Twilio does not take {word} as an opt-in "
    "word here and still blocks texts to this number. Ask the patient to text START, and add "
    "the Spanish words to Advanced Opt-Out (see `lupus-sms twilio check`)."
)
# Enrolments that expect texts: a block is news for them.
EXPECTING_TEXTS = (PatientStatus.PENDING_CONSENT, PatientStatus.ACTIVE, PatientStatus.PAUSED)


def block(
    db: Session,
    phone_number: PhoneNumber,
    *,
    now: datetime,
    reason: str | None = None,
    patient_id: int | None = None,
) -> bool:
    """Twilio blocks this number from now on. With a `reason`, the clinics whose patients
    expect texts get a `carrier_blocked` consent event saying why: those the number
    consented to, and the enrolment whose own text was refused (`patient_id`); a clinic
    still waiting for a YES learns nothing of a block its texts did not meet. True when it
    is news."""
    if phone_number.carrier_blocked_at is not None:
        return False
    phone_number.carrier_blocked_at = now
    if reason is not None:
        _record(db, phone_number, now=now, note=reason, patient_id=patient_id)
        logger.warning("Twilio blocks %s (error 21610)", mask_phone(phone_number.e164))
    return True


def unblock(phone_number: PhoneNumber) -> None:
    phone_number.carrier_blocked_at = None


def unblock_delivered(db: Session, *, e164: str | None) -> None:
    """A text was delivered to this number: Twilio no longer blocks it. One statement that
    changes nothing (and locks nothing) for the numbers that were never blocked."""
    if e164:
        db.execute(
            update(PhoneNumber)
            .where(PhoneNumber.e164 == e164, PhoneNumber.carrier_blocked_at.is_not(None))
            .values(carrier_blocked_at=None),
            execution_options={"synchronize_session": False},
        )


def _record(
    db: Session, phone_number: PhoneNumber, *, now: datetime, note: str, patient_id: int | None
) -> None:
    patients = db.scalars(
        select(Patient).where(
            Patient.phone_number_id == phone_number.id,
            Patient.status.in_(EXPECTING_TEXTS),
            or_(Patient.consented_at.is_not(None), Patient.id == patient_id),
        )
    ).all()
    for patient in patients:
        db.add(
            ConsentEvent(
                phone_number_id=phone_number.id,
                patient_id=patient.id,
                clinic_id=patient.clinic_id,
                kind=ConsentEventKind.CARRIER_BLOCKED,
                source="twilio",
                note=note,
                occurred_at=now,
            )
        )
