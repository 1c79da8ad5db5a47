"""Materialises a patient's plan into planned_messages.

`replan` is called after every change that can affect the plan (enrolment, consent, status,
appointments, milestones, procedure date). It is idempotent: rows are unique per (patient,
step, anchor, anchor revision). A moved anchor has a new revision, so the old revision's open
rows are cancelled and the new ones planned afresh, while what already went out stays in
the history. Rows are only ever created, moved (while still planned) or closed, never
deleted, so every planned message ends in a visible terminal state. A change of status
(paused, opted out, unenrolled) rewrites nothing: it holds the rows until they fall due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.quiet_hours import SendWindow, parse_hhmm
from lupus_sms.content.service import get_content
from lupus_sms.core.config import get_settings
from lupus_sms.core.statuses import AnchorStatus, PatientStatus
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging import statuses
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.plans import PlanStep, plans_of

PLANNABLE_STATUSES = (PatientStatus.ACTIVE, PatientStatus.PAUSED)
Key = tuple[str, int, int]  # (step_key, anchor_id, anchor_revision)


@dataclass(frozen=True)
class Wanted:
    due_at: datetime
    step: PlanStep
    anchor: Anchor


def replan(db: Session, *, patient_id: int, now: datetime) -> None:
    """Re-derive the patient's planned messages from their status and anchors. Flushes."""
    db.flush()
    patient = db.get(Patient, patient_id)
    if patient is None:
        return
    if patient.status not in PLANNABLE_STATUSES or patient.erased_at is not None:
        # Open rows stay as they are: the schedule shows them as held, with the reason, and
        # the tick skips each one that falls due meanwhile (scheduling/holds.py). When the
        # patient comes back, what is still due goes out as planned.
        return
    rows = list(db.scalars(select(PlannedMessage).where(PlannedMessage.patient_id == patient_id)))
    open_rows = [row for row in rows if row.status == statuses.PLANNED]
    wanted = wanted_rows(db, patient)
    for row in open_rows:
        target = wanted.get((row.step_key, row.anchor_id, row.anchor_revision))
        if target is None:
            _close(row, statuses.CANCELLED, "rescheduled")
        elif row.due_at != target.due_at:
            row.due_at = target.due_at
    existing = {(row.step_key, row.anchor_id, row.anchor_revision) for row in rows}
    for key, target in wanted.items():
        if key not in existing:
            db.add(_new_row(patient, key, target, now))
    db.flush()


def wanted_rows(db: Session, patient: Patient) -> dict[Key, Wanted]:
    plans = plans_of(get_content())
    window = window_of(db, patient)
    anchors = db.scalars(
        select(Anchor).where(
            Anchor.patient_id == patient.id, Anchor.status == AnchorStatus.SCHEDULED
        )
    )
    wanted: dict[Key, Wanted] = {}
    for anchor in anchors:
        for step in plans.steps:
            if step.applies_to(program=patient.program, category=anchor.category, kind=anchor.kind):
                due_at = due_time(step, anchor_at=anchor.at, window=window)
                wanted[(step.key, anchor.id, anchor.revision)] = Wanted(due_at, step, anchor)
    return wanted


def window_of(db: Session, patient: Patient) -> SendWindow:
    clinic = db.get(Clinic, patient.clinic_id)
    start = clinic.send_window_start if clinic else None
    end = clinic.send_window_end if clinic else None
    return SendWindow.of(patient.timezone, start, end)


def due_time(step: PlanStep, *, anchor_at: datetime, window: SendWindow) -> datetime:
    """The UTC instant of a step: local date arithmetic, then held into the send window."""
    if step.offset.hours:
        raw = anchor_at + timedelta(hours=step.offset.hours)
    else:
        local_day = anchor_at.astimezone(window.zone).date() + timedelta(days=step.offset.days)
        raw = window.local(local_day, parse_hhmm(step.send_at, window.start))
    return window.next_open(raw)


def _new_row(patient: Patient, key: Key, target: Wanted, now: datetime) -> PlannedMessage:
    row = PlannedMessage(
        patient_id=patient.id,
        step_key=key[0],
        anchor_id=key[1],
        anchor_revision=key[2],
        due_at=target.due_at,
        status=statuses.PLANNED,
        created_at=now,
    )
    if too_late(target.step, due_at=target.due_at, anchor_at=target.anchor.at, now=now):
        # Steps already behind when planned (a past procedure date) are recorded, not sent.
        _close(row, statuses.SKIPPED, "before_enrolment")
    return row


def too_late(step: PlanStep, *, due_at: datetime, anchor_at: datetime, now: datetime) -> bool:
    """Past the staleness cut-off, or a pre-appointment prompt once the appointment began."""
    if step.is_pre_appointment and now >= anchor_at:
        return True
    cutoff = timedelta(hours=get_settings().staleness_cutoff_hours)
    return now - due_at > cutoff


def _close(row: PlannedMessage, status: str, reason: str | None) -> None:
    row.status = status
    row.status_reason = reason
