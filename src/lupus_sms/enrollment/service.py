"""Patients: enrolment, changes, pausing, unenrolment and erasure.

Re-posting a phone the clinic already has is idempotent: the existing patient is returned
unchanged (HTTP 200 instead of 201) and nothing is sent again, so a retried request or a
double click never makes a duplicate. A patient the clinic had unenrolled is enrolled again
(status and consent start over with a new invitation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.errors import NotFoundError, ValidationFailed
from lupus_sms.core.phones import normalise_phone
from lupus_sms.core.statuses import AnchorStatus, ConsentEventKind, PatientStatus
from lupus_sms.core.timezones import validate_timezone
from lupus_sms.enrollment import consent
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.enrollment.planning import replan
from lupus_sms.enrollment.schemas import PatientCreate, PatientUpdate
from lupus_sms.messaging.service import get_or_create_phone_number

# The plan's main milestone per program (day 0): the procedure_date anchors it.
MILESTONE_KIND = {"ahsct": "infusion", "msc": "treatment"}
REENROLLABLE = (PatientStatus.UNENROLLED,)
PAUSABLE = (PatientStatus.ACTIVE, PatientStatus.PAUSED)  # and resumable
FIELDS = ("name", "external_id", "language", "timezone", "program", "consent_source")
CLEARABLE = ("name", "external_id")  # PATCH null clears these; the others are required


@dataclass(frozen=True)
class EnrolResult:
    patient: Patient
    created: bool


def get_patient(db: Session, *, clinic_id: int, patient_id: int) -> Patient:
    """The clinic's patient; another clinic's id is reported exactly like a missing one."""
    patient = db.scalar(
        select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic_id)
    )
    if patient is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return patient


def list_patients_query(
    *, clinic_id: int, status: str | None = None, program: str | None = None
) -> Select:
    """The clinic's patients, optionally of one status and one program, unordered."""
    stmt = select(Patient).where(Patient.clinic_id == clinic_id)
    if status:
        stmt = stmt.where(Patient.status == status)
    if program:
        stmt = stmt.where(Patient.program == program)
    return stmt


def normalise_patient_phone(raw: str, clinic: Clinic) -> str:
    """A patient's mobile number in E.164, read in the clinic's country; ValidationFailed
    for a number that is not a valid mobile."""
    return normalise_phone(raw, clinic.country or "US", require_mobile=True)


def enroll_patient(
    db: Session,
    *,
    clinic: Clinic,
    data: PatientCreate,
    now: datetime,
    trail: Trail | None = None,
    source: str = consent.API,
) -> EnrolResult:
    """Enrol (or find) the patient and send the invitation; the use case commits, with the
    console's audit entry (`patient.enrolled` or `patient.existing`) when given a trail.
    `source` is where it was made, as the consent events record it (API, PORTAL)."""
    with one_transaction(db):
        result = enroll_one(db, clinic=clinic, data=data, now=now, source=source)
        done = "enrolled" if result.created else "existing"
        record_on(db, trail, action=f"patient.{done}", now=now,
                  target=f"patient:{result.patient.id}")  # fmt: skip
    return result


def enroll_one(
    db: Session, *, clinic: Clinic, data: PatientCreate, now: datetime, source: str = consent.API
):
    """Enrol a phone with the clinic (or return its live enrolment) and queue the
    invitation; the caller commits (one row of an import, or `enroll_patient`)."""
    e164 = normalise_patient_phone(data.phone, clinic)
    timezone = validate_timezone(clinic.timezone if data.timezone is None else data.timezone)
    phone_number = get_or_create_phone_number(db, e164=e164)
    existing = db.scalar(
        select(Patient).where(
            Patient.clinic_id == clinic.id, Patient.phone_number_id == phone_number.id
        )
    )
    if existing is not None and existing.status not in REENROLLABLE:
        return EnrolResult(existing, created=False)
    patient = existing or Patient(clinic_id=clinic.id, phone_number=phone_number)
    fill_new_patient(patient, data, timezone=timezone, now=now)
    db.add(patient)
    db.flush()
    set_language(db, patient, data.language if "language" in data.model_fields_set else None)
    consent.invite(db, clinic=clinic, patient=patient, now=now, source=source)
    sync_milestone(db, patient, now=now)
    db.flush()
    replan(db, patient_id=patient.id, now=now)
    return EnrolResult(patient, created=True)


def fill_new_patient(patient: Patient, data: PatientCreate, *, timezone: str, now: datetime):
    """Set a new (or re-enrolled) patient's fields from the request; consent starts over."""
    patient.name = data.name or None
    patient.external_id = data.external_id or None
    patient.language = data.language
    patient.timezone = timezone
    patient.program = data.program
    patient.procedure_date = data.procedure_date
    patient.consent_source = data.consent_source
    patient.paused_until = None
    patient.erased_at = None
    patient.consented_at = None  # a new enrolment waits for its own YES
    patient.created_at = patient.created_at or now
    patient.updated_at = now


def set_language(db: Session, patient: Patient, language: str | None) -> None:
    """A clinic's choice of language (None: none given).

    Language belongs to the number, so a clinic the number consented to sets the number's,
    unless the patient chose one by text (ESPANOL / ENGLISH): the patient's own choice wins.
    A clinic still waiting for the patient's YES records it on its own enrolment only (its
    invitation goes out in it; the YES makes it the number's unless the patient chose one).
    Without one, a pending enrolment keeps its own (English by default): the language the
    number chose with another clinic is not this clinic's to learn. A consented enrolment
    takes the number's."""
    number = patient.phone_number
    if not patient.consented:
        patient.language = language or patient.language or "en"
        return
    if (
        language is not None
        and number.language != language
        and not consent.chose_language(db, number.id)  # the patient's own choice wins
    ):
        number.language = language
    patient.language = number.language or language or "en"


def update_patient(
    db: Session,
    patient: Patient,
    *,
    data: PatientUpdate,
    now: datetime,
    trail: Trail | None = None,
    action: str = "patient.update",
) -> Patient:
    """Apply a PATCH and commit it (the API's use case; the portal's pause and resume, audited
    as `action` on its trail)."""
    with one_transaction(db):
        apply_changes(db, patient, data.model_dump(exclude_unset=True), now=now)
        record_on(db, trail, action=action, now=now, target=f"patient:{patient.id}")
    return patient


def apply_changes(db: Session, patient: Patient, changes: dict, *, now: datetime) -> bool:
    """Apply field changes; move the milestone and replan when anything that plans changed.

    Everything is checked before anything changes, so a refused change leaves no trace.
    """
    _check_changes(patient, changes, now=now)
    changed = _status_change(patient, changes)
    if "language" in changes:
        before = patient.language
        set_language(db, patient, changes.pop("language"))
        changed = changed or patient.language != before
    for field in (*FIELDS, "procedure_date"):
        if field in changes and getattr(patient, field) != changes[field]:
            setattr(patient, field, changes[field])
            changed = True
    if changed:
        patient.updated_at = now
        sync_milestone(db, patient, now=now)
        db.flush()
        replan(db, patient_id=patient.id, now=now)
    return changed


def _check_changes(patient: Patient, changes: dict, *, now: datetime) -> None:
    if patient.erased_at is not None:
        raise ValidationFailed("this patient's data was erased; enrol the number again")
    for field in FIELDS:
        if field in changes and changes[field] is None and field not in CLEARABLE:
            raise ValidationFailed(f"{field} cannot be empty", field=field)
    if changes.get("timezone") is not None:
        validate_timezone(changes["timezone"])
    status, paused_until = changes.get("status"), changes.get("paused_until")
    if status is None and paused_until is not None:
        raise ValidationFailed("paused_until needs status=paused", field="paused_until")
    if status == PatientStatus.PAUSED and patient.status not in PAUSABLE:
        raise ValidationFailed(f"{_a(patient.status)} patient cannot be paused", field="status")
    if status == PatientStatus.PAUSED and paused_until is not None and _aware(paused_until) <= now:
        raise ValidationFailed("paused_until must be in the future", field="paused_until")
    if status == PatientStatus.ACTIVE and patient.status not in PAUSABLE:
        raise ValidationFailed(
            f"{_a(patient.status)} patient cannot be resumed; only their YES activates them",
            field="status",
        )


def _a(word: str) -> str:
    """The word with its article: "an unenrolled", "an opted_out", "a pending_consent"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _status_change(patient: Patient, changes: dict) -> bool:
    status, paused_until = changes.get("status"), changes.get("paused_until")
    if status is None:
        return False
    paused_until = _aware(paused_until) if status == PatientStatus.PAUSED and paused_until else None
    changed = (patient.status, patient.paused_until) != (status, paused_until)
    patient.status, patient.paused_until = status, paused_until
    return changed


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sync_milestone(db: Session, patient: Patient, *, now: datetime, new: bool = False) -> None:
    """Create, move or cancel the program's day-0 milestone to match `procedure_date`.

    `new`: the patient was just created, so there is nothing to look up.
    """
    kind = MILESTONE_KIND.get(patient.program)
    anchors = (
        []
        if new
        else db.scalars(
            select(Anchor).where(Anchor.patient_id == patient.id, Anchor.category == "milestone")
        ).all()
    )
    wanted_at = _local_midnight(patient.procedure_date, patient.timezone)
    for anchor in anchors:
        if anchor.kind not in MILESTONE_KIND.values():
            continue  # other milestones (discharge, collection...) are set over their own API
        if anchor.kind != kind or wanted_at is None:
            if anchor.status != AnchorStatus.CANCELLED:
                anchor.status, anchor.revision = "cancelled", anchor.revision + 1
        elif anchor.at != wanted_at or anchor.status != AnchorStatus.SCHEDULED:
            anchor.at, anchor.status, anchor.revision = wanted_at, "scheduled", anchor.revision + 1
    if kind and wanted_at and not any(a.kind == kind for a in anchors):
        db.add(
            Anchor(
                patient_id=patient.id,
                category="milestone",
                kind=kind,
                at=wanted_at,
                all_day=True,
                created_at=now,
            )
        )


def _local_midnight(day: date | None, timezone: str) -> datetime | None:
    """An all-day anchor is stored as the start of that day in the patient's time zone."""
    if day is None:
        return None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def unenroll(
    db: Session,
    patient: Patient,
    *,
    erase: bool,
    now: datetime,
    trail: Trail | None = None,
    source: str = consent.API,
) -> None:
    """No further messages; with `erase`, personal data goes too (counts and STOP stay).
    `source` is where it was done, as the consent event records it (API, PORTAL)."""
    with one_transaction(db):
        if patient.status != PatientStatus.UNENROLLED:
            patient.status = PatientStatus.UNENROLLED
            patient.paused_until = None
            consent.record_event(
                db, patient, kind=ConsentEventKind.UNENROLLED, source=source, now=now
            )
        patient.updated_at = now
        db.flush()
        replan(db, patient_id=patient.id, now=now)
        if erase:
            from lupus_sms.enrollment.erasure import erase_patient

            erase_patient(db, patient, now=now)
        record_on(db, trail, action="patient.unenroll", now=now, target=f"patient:{patient.id}")


def messages_query(patient: Patient, clinic: Clinic) -> Select:
    """The patient's texts both ways: those tied to the enrolment, and inbound texts from the
    number that the inbound pipeline could not tie to one enrolment (several clinics consented
    on a shared sender), sent to this clinic's own number or to the shared one, each with the
    reply it got (a safety reply, a menu...), which is as untied as the text it answers.

    Only a clinic the number consented to sees texts it did not send: an untied text counts
    from the patient's YES to this clinic on. Which sender the clinic has today does not
    matter, so assigning one never re-files history."""
    from sqlalchemy import and_, or_
    from sqlalchemy.orm import aliased

    from lupus_sms.messaging.models import Message

    own = select(Message).where(Message.patient_id == patient.id)
    if patient.phone is None or patient.consented_at is None:
        return own

    def untied_inbound(message):
        return and_(
            message.direction == "inbound",
            message.patient_id.is_(None),
            message.phone == patient.phone,
            or_(message.clinic_id == clinic.id, message.clinic_id.is_(None)),
            message.created_at >= patient.consented_at,
        )

    answered = aliased(Message)
    untied_reply = and_(
        Message.direction == "outbound",
        Message.patient_id.is_(None),
        Message.phone == patient.phone,
        Message.in_reply_to_id.in_(select(answered.id).where(untied_inbound(answered))),
    )
    return select(Message).where(
        or_(Message.patient_id == patient.id, untied_inbound(Message), untied_reply)
    )
