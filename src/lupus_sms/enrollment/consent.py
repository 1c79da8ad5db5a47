"""Double opt-in: the invitation, the confirmation after YES, and opt-outs a clinic records.

The consent trail (`consent_events`) records every step with its time, its source and the
message that caused it, so a clinic can show when and how a patient agreed or withdrew.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.clinics.display_name import invitation_name
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.segments import analyze
from lupus_sms.content.service import get_content
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.statuses import ConsentEventKind, MessageStatus, PatientStatus
from lupus_sms.enrollment.models import ConsentEvent, Patient
from lupus_sms.enrollment.planning import replan
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.outbox import enqueue, enqueue_many

# Statuses a number-wide opt-out moves to `opted_out` (as a texted STOP does).
OPT_OUT_FROM = (PatientStatus.PENDING_CONSENT, PatientStatus.ACTIVE, PatientStatus.PAUSED)
LOOKUP_CHUNK = 500  # ids per IN (...)
# Where a clinic's change came from, as its consent events record it (the timeline shows it).
API, PORTAL, CSV = "api", "portal", "csv_import"
# A clinic's system clock may run a little ahead of ours; beyond this, a time is refused.
CLOCK_SKEW = timedelta(minutes=5)


def record_event(
    db: Session,
    patient: Patient,
    *,
    kind: str,
    source: str,
    now: datetime,
    message_id: int | None = None,
    note: str | None = None,
) -> ConsentEvent:
    event = ConsentEvent(
        phone_number_id=patient.phone_number_id,
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        kind=kind,
        source=source,
        message_id=message_id,
        note=note,
        occurred_at=now,
    )
    db.add(event)
    return event


def invite(
    db: Session, *, clinic: Clinic, patient: Patient, now: datetime, source: str = API
) -> None:
    """Queue the invitation, or mark the patient opted out if the number is blocked; `source`
    says where the enrolment was made (API, PORTAL)."""
    if patient.phone_number.opted_out:
        # A texted STOP outranks any clinic: nothing is sent until the number texts START.
        patient.status = PatientStatus.OPTED_OUT
        return
    patient.status = PatientStatus.PENDING_CONSENT
    _supersede_queued_invitations(db, patient, now=now)
    content = get_content().for_language(patient.spoken_language)
    body = content.text("consent_invitation", clinic_name=invitation_name(clinic, content))
    message = enqueue(
        db,
        phone=patient.phone_number.e164,
        body=body,
        kind="consent_invitation",
        now=now,
        clinic_id=clinic.id,
        patient_id=patient.id,
        sender=clinic.sender,
    )
    record_event(
        db, patient, kind=ConsentEventKind.INVITED, source=source, now=now, message_id=message.id
    )


def _supersede_queued_invitations(db: Session, patient: Patient, *, now: datetime) -> None:
    """An invitation still waiting for the send window (queued before an unenrolment, say) is
    cancelled when a new one is queued: the patient gets one invitation, the latest."""
    db.execute(
        update(Message)
        .where(
            Message.patient_id == patient.id,
            Message.kind == "consent_invitation",
            Message.status == statuses.QUEUED,
            Message.claim_token.is_(None),
        )
        .values(status=statuses.CANCELLED, status_reason="superseded", updated_at=now),
        execution_options={"synchronize_session": False},
    )


def invite_new(db: Session, *, clinic: Clinic, patients: list[Patient], now: datetime) -> None:
    """`invite` for many freshly created patients at once (the CSV import).

    `enqueue` flushes each message; for thousands of rows that flush dominates, so the same
    outbox rows are built here and flushed together. Keep in step with `outbox.enqueue`.
    """
    content = get_content()
    invited: list[tuple[Patient, Message]] = []
    for patient in patients:
        if patient.phone_number.opted_out:
            patient.status = PatientStatus.OPTED_OUT
            continue
        patient.status = PatientStatus.PENDING_CONSENT
        language_content = content.for_language(patient.spoken_language)
        body = language_content.text(
            "consent_invitation", clinic_name=invitation_name(clinic, language_content)
        )
        info = analyze(body)
        message = Message(
            direction="outbound", phone=patient.phone_number.e164, sender=clinic.sender,
            clinic_id=clinic.id, patient_id=patient.id, kind="consent_invitation", body=body,
            status=MessageStatus.QUEUED, encoding=info.encoding, segments=info.segments,
            next_attempt_at=now, created_at=now,
        )  # fmt: skip
        invited.append((patient, message))
    db.add_all([message for _, message in invited])
    db.flush()
    for patient, message in invited:
        record_event(
            db, patient, kind=ConsentEventKind.INVITED, source=CSV, now=now, message_id=message.id
        )


def invite_new_rows(
    db: Session,
    *,
    clinic: Clinic,
    invitees: list[tuple[int, int, str]],
    now: datetime,
    languages: dict[int, str] | None = None,
) -> None:
    """`invite` for patients inserted in bulk without ORM objects (the CSV import):
    (patient id, phone number id, E.164) each, none of them opted out, all already
    `pending_consent`; `languages` maps a patient id to the language its row named (English
    when absent). The invitations and their consent events go in with executemany INSERTs; the
    new patients have no other invitation, so theirs are found by patient.
    Keep in step with `invite`."""
    if not invitees:
        return
    content = get_content()
    bodies = {
        language: content.for_language(language).text(
            "consent_invitation", clinic_name=invitation_name(clinic, content)
        )
        for language in {*(languages or {}).values(), "en"}
    }
    texts = [
        {"phone": e164, "body": bodies[(languages or {}).get(patient_id, "en")],
         "kind": "consent_invitation", "clinic_id": clinic.id, "patient_id": patient_id,
         "sender": clinic.sender}
        for patient_id, _, e164 in invitees
    ]  # fmt: skip
    enqueue_many(db, texts, now=now)
    message_of = _invitations_of(db, [patient_id for patient_id, _, _ in invitees])
    events = [
        {"phone_number_id": number_id, "patient_id": patient_id, "clinic_id": clinic.id,
         "kind": "invited", "source": CSV, "message_id": message_of[patient_id],
         "note": None, "occurred_at": now, "created_at": now, "updated_at": now}
        for patient_id, number_id, _ in invitees
    ]  # fmt: skip
    db.execute(insert(ConsentEvent.__table__), events)


def _invitations_of(db: Session, patient_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(patient_ids), LOOKUP_CHUNK):
        chunk = patient_ids[start : start + LOOKUP_CHUNK]
        rows = db.execute(
            select(Message.patient_id, Message.id).where(
                Message.patient_id.in_(chunk), Message.kind == "consent_invitation"
            )
        )
        found.update({patient_id: message_id for patient_id, message_id in rows})
    return found


def confirm(db: Session, patient: Patient, *, now: datetime, message_id: int | None) -> None:
    """A YES (or another opt-in word) from the patient: reminders may start, and from now on
    the clinic hears from the number and may record its number-wide settings: the language
    the enrolment named becomes the number's, unless the patient chose one by text."""
    patient.status = PatientStatus.ACTIVE
    patient.updated_at = now
    patient.consented_at = patient.consented_at or now
    number = patient.phone_number
    if patient.language and not chose_language(db, number.id):
        number.language = patient.language
    record_event(
        db, patient, kind=ConsentEventKind.CONFIRMED, source="sms", now=now, message_id=message_id
    )
    db.flush()
    replan(db, patient_id=patient.id, now=now)


def record_opt_out(
    db: Session,
    patient: Patient,
    *,
    source: str,
    occurred_at: datetime,
    note: str | None,
    now: datetime,
    trail: Trail | None = None,
) -> Patient:
    """An opt-out given by phone or at the front desk blocks the number like a texted STOP,
    for every clinic: a patient may withdraw by any reasonable means. A clinic the number has
    not consented to knows nothing of the number beyond its own enrolment, so its word ends
    only that enrolment. The use case: committed with the trail's `patient.opt_out` entry."""
    with one_transaction(db):
        _opt_out(db, patient, source=source, occurred_at=occurred_at, note=note, now=now)
        record_on(db, trail, action="patient.opt_out", now=now, target=f"patient:{patient.id}")
    return patient


def _opt_out(db: Session, patient: Patient, *, source, occurred_at, note, now) -> Patient:
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "occurred_at is in the future: record an opt-out once it was given "
            f"(up to {CLOCK_SKEW.seconds // 60} minutes ahead is taken as clock difference)",
            field="occurred_at",
        )
    if not patient.consented:
        return _end_unconsented(db, patient, source=source, occurred_at=occurred_at, note=note)
    phone_number = patient.phone_number
    if not phone_number.opted_out:
        phone_number.opted_out = True
        phone_number.opted_out_at = occurred_at
    affected = db.scalars(
        select(Patient).where(
            Patient.phone_number_id == phone_number.id, Patient.status.in_(OPT_OUT_FROM)
        )
    ).all()
    for other in {patient, *affected}:
        if other.status in OPT_OUT_FROM:
            other.status = PatientStatus.OPTED_OUT
        if not other.consented:
            continue  # its status follows the number; when and how are not its to know
        # The note is the recording clinic's; another clinic sees only that the number opted out.
        own_note = note if other is patient else None
        record_event(
            db,
            other,
            kind=ConsentEventKind.OPTED_OUT,
            source=source,
            now=occurred_at,
            note=own_note,
        )
    db.flush()
    for other in {patient, *affected}:
        replan(db, patient_id=other.id, now=now)
    return patient


def _end_unconsented(db: Session, patient: Patient, *, source, occurred_at, note) -> Patient:
    if patient.status in OPT_OUT_FROM:
        patient.status = PatientStatus.OPTED_OUT
    record_event(
        db, patient, kind=ConsentEventKind.OPTED_OUT, source=source, now=occurred_at, note=note
    )
    db.flush()
    replan(db, patient_id=patient.id, now=occurred_at)
    return patient


def chose_language(db: Session, phone_number_id: int) -> bool:
    """Whether the patient switched the number's language by text (ESPANOL / ENGLISH): their
    own choice outranks any clinic's."""
    found = select(ConsentEvent.id).where(
        ConsentEvent.phone_number_id == phone_number_id,
        ConsentEvent.kind == ConsentEventKind.LANGUAGE,
    )
    return db.scalar(found.limit(1)) is not None


def list_events(*, patient_id: int):
    return select(ConsentEvent).where(ConsentEvent.patient_id == patient_id)
