"""A privacy level the patient chose in person, recorded by a clinic (API, portal, CSV).

The level belongs to the number, like its language and its opt-out (content/discreet.py),
so only a clinic the number consented to (replied YES) may record it; another is refused
with the API's one error shape, as other tenancy refusals are. The change is a consent event
of the recording clinic's enrolment; the patient's own PRIVATE / DETAILS texts are recorded
for every clinic the number consented to (inbound/privacy.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.content.discreet import PRIVACY_LEVELS
from lupus_sms.core.errors import ConflictError, ValidationFailed
from lupus_sms.core.statuses import ConsentEventKind
from lupus_sms.enrollment.consent import record_event
from lupus_sms.enrollment.models import Patient

NOT_CONSENTED = (
    "the number has not replied YES to this clinic: only the patient, or a clinic the number "
    "consented to, can choose its privacy level"
)


def record_privacy_choice(
    db: Session,
    patient: Patient,
    *,
    level: str,
    source: str,
    now: datetime,
    note: str | None = None,
    trail: Trail | None = None,
) -> bool:
    """The use case (API, portal): set the level and commit it with the `patient.privacy`
    entry of the trail; True when it changed."""
    with one_transaction(db):
        changed = set_privacy_level(db, patient, level=level, source=source, now=now, note=note)
        record_on(db, trail, action="patient.privacy", now=now, target=f"patient:{patient.id}")
    return changed


def set_privacy_level(
    db: Session,
    patient: Patient,
    *,
    level: str,
    source: str,
    now: datetime,
    note: str | None = None,
) -> bool:
    """Set the number's privacy level; True when it changed (a consent event says so). The
    caller commits (one row of an import, or `record_privacy_choice`)."""
    if level not in PRIVACY_LEVELS:
        raise ValidationFailed(f"level must be one of {', '.join(PRIVACY_LEVELS)}", field="level")
    if patient.erased_at is not None:
        raise ValidationFailed("this patient's data was erased; enrol the number again")
    if not patient.consented:
        raise ConflictError(NOT_CONSENTED, field="level")
    number = patient.phone_number
    if number.privacy_level == level:
        return False
    number.privacy_level = level
    summary = level if not note else f"{level}: {note}"
    record_event(db, patient, kind=ConsentEventKind.PRIVACY, source=source, now=now, note=summary)
    db.flush()
    return True
