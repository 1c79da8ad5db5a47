"""Appointments: anchors of category "appointment" that reminders are planned from.

Moving or cancelling one bumps the anchor's revision and replans, so reminders for the old
time are cancelled and new ones planned (planned rows are unique per anchor revision).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.core.errors import ConflictError, NotFoundError, ValidationFailed
from lupus_sms.core.statuses import AnchorStatus, PatientStatus
from lupus_sms.core.timezones import local_to_utc
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.enrollment.planning import changes_if_moved, replan
from lupus_sms.enrollment.schemas import AppointmentCreate, AppointmentUpdate

CATEGORY = "appointment"


def get_appointment(db: Session, *, patient: Patient, appointment_id: int) -> Anchor:
    anchor = db.scalar(
        select(Anchor).where(
            Anchor.id == appointment_id,
            Anchor.patient_id == patient.id,
            Anchor.category == CATEGORY,
        )
    )
    if anchor is None:
        raise NotFoundError(f"appointment {appointment_id} not found")
    return anchor


def list_query(*, patient_id: int) -> Select:
    return select(Anchor).where(Anchor.patient_id == patient_id, Anchor.category == CATEGORY)


def create_appointment(
    db: Session,
    patient: Patient,
    *,
    data: AppointmentCreate,
    now: datetime,
    trail: Trail | None = None,
) -> Anchor:
    """Book an appointment and plan its reminders: one use case for the API and the portal
    (which passes its trail: `appointment.add` is audited in the same transaction)."""
    with one_transaction(db):
        _check_patient(patient)
        starts_at = _future_utc(data.starts_at, patient, now)
        _refuse_duplicate(db, patient, kind=data.kind, starts_at=starts_at)
        anchor = Anchor(
            patient_id=patient.id,
            category=CATEGORY,
            kind=data.kind,
            at=starts_at,
            location=data.location or None,
            status=AnchorStatus.SCHEDULED,
            created_at=now,
        )
        db.add(anchor)
        db.flush()
        replan(db, patient_id=patient.id, now=now)
        record_on(db, trail, action="appointment.add", now=now, target=f"patient:{patient.id}")
    return anchor


def _refuse_duplicate(
    db: Session, patient: Patient, *, kind: str, starts_at: datetime, moving: Anchor | None = None
) -> None:
    """A form sent twice, or a move onto another booking, must not make the same appointment
    twice: the patient would get every reminder twice. The same kind at the same minute as
    another scheduled one is refused."""
    stmt = list_query(patient_id=patient.id).where(
        Anchor.kind == kind, Anchor.at == starts_at, Anchor.status == AnchorStatus.SCHEDULED
    )
    if moving is not None:
        stmt = stmt.where(Anchor.id != moving.id)
    existing = db.scalar(stmt)
    if existing is not None:
        raise ConflictError(
            f"appointment {existing.id} is already booked for this patient: the same kind at "
            "the same time; change or cancel it instead",
            field="starts_at",
        )


def update_appointment(
    db: Session,
    patient: Patient,
    anchor: Anchor,
    *,
    data: AppointmentUpdate,
    now: datetime,
    trail: Trail | None = None,
) -> Anchor:
    """Reschedule (or change the kind or place); the reminders follow. Audited as
    `appointment.move` on a console's trail."""
    with one_transaction(db):
        if anchor.status == AnchorStatus.CANCELLED:
            raise ConflictError("this appointment was cancelled; create a new one")
        changes = data.model_dump(exclude_unset=True)
        if changes.get("starts_at") is not None:
            new_at = _future_utc(changes["starts_at"], patient, now)
            if new_at != anchor.at:
                anchor.at, anchor.revision = new_at, anchor.revision + 1
        if changes.get("kind") is not None:
            anchor.kind = changes["kind"]
        if "location" in changes:
            anchor.location = changes["location"] or None
        anchor.updated_at = now
        db.flush()
        _refuse_duplicate(db, patient, kind=anchor.kind, starts_at=anchor.at, moving=anchor)
        replan(db, patient_id=patient.id, now=now)
        record_on(db, trail, action="appointment.move", now=now, target=f"appointment:{anchor.id}")
    return anchor


def cancel_appointment(
    db: Session, patient: Patient, anchor: Anchor, *, now: datetime, trail: Trail | None = None
) -> None:
    """Cancelling twice is harmless: the second call changes nothing (but is audited)."""
    with one_transaction(db):
        if anchor.status != AnchorStatus.CANCELLED:
            anchor.status, anchor.revision = AnchorStatus.CANCELLED, anchor.revision + 1
            anchor.updated_at = now
            db.flush()
            replan(db, patient_id=patient.id, now=now)
        record_on(db, trail, action="appointment.cancel", now=now,
                  target=f"appointment:{anchor.id}")  # fmt: skip


def preview_move(
    db: Session, patient: Patient, anchor: Anchor, *, starts_at: datetime | None, now: datetime
):
    """The planned messages a move to `starts_at` (None: a cancellation) would change."""
    if anchor.status == AnchorStatus.CANCELLED:
        raise ConflictError("this appointment was cancelled; create a new one")
    new_at = None if starts_at is None else _future_utc(starts_at, patient, now)
    return changes_if_moved(db, patient=patient, anchor=anchor, new_at=new_at, now=now)


def _check_patient(patient: Patient) -> None:
    if patient.status == PatientStatus.UNENROLLED:
        raise ConflictError("this patient is unenrolled; enrol them again first")


def _future_utc(starts_at: datetime, patient: Patient, now: datetime) -> datetime:
    """Local time without an offset is the patient's; times not after now are refused."""
    try:
        at = local_to_utc(starts_at, patient.timezone, field="starts_at")
    except (OverflowError, ValueError):
        raise ValidationFailed("starts_at is out of range", field="starts_at") from None
    if at <= now:
        raise ValidationFailed("appointments in the past cannot be booked", field="starts_at")
    # Kept to the minute, as every text and page shows it: 10:00 and 10:00:30 are one time.
    return at.replace(second=0, microsecond=0)
