"""The schedule a clinic sees, and treatment milestones set and moved over the API.

`procedure_date` on the patient is the shorthand for the program's main milestone (aHSCT
infusion day 0, MSC treatment date): setting that milestone here keeps the date in step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.content.service import get_content
from lupus_sms.core.errors import ConflictError, NotFoundError, ValidationFailed
from lupus_sms.core.pagination import PageParams
from lupus_sms.core.statuses import AnchorStatus
from lupus_sms.core.timezones import local_to_utc
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.enrollment.service import MILESTONE_KIND
from lupus_sms.scheduling.holds import WAITING, hold_reason
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.planner import replan
from lupus_sms.scheduling.plans import plans_of
from lupus_sms.scheduling.preview import PlannedChange, changes_if_moved
from lupus_sms.scheduling.schemas import (
    AnchorRef,
    MilestoneCreate,
    MilestoneOut,
    MilestoneUpdate,
    ScheduleItem,
)

MILESTONE = "milestone"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def get_schedule(
    db: Session, *, patient: Patient, params: PageParams
) -> tuple[list[ScheduleItem], str | None]:
    """One page of what is planned, in the order it is due (keyset on due_at, then id)."""
    stmt = (
        select(PlannedMessage, Anchor)
        .join(Anchor, Anchor.id == PlannedMessage.anchor_id)
        .where(PlannedMessage.patient_id == patient.id)
    )
    position = params.position(4)
    if position is not None:
        after_due, after_id = _due_at_of(position[:3]), position[3]
        stmt = stmt.where(
            (PlannedMessage.due_at > after_due)
            | ((PlannedMessage.due_at == after_due) & (PlannedMessage.id > after_id))
        )
    stmt = stmt.order_by(PlannedMessage.due_at, PlannedMessage.id).limit(params.limit + 1)
    rows = db.execute(stmt).all()
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1][0]
        next_cursor = params.cursor_for(*_due_at_parts(last.due_at), last.id)
    zone = ZoneInfo(patient.timezone)
    return [_schedule_item(planned, anchor, patient, zone) for planned, anchor in rows], next_cursor


def _due_at_parts(due_at: datetime) -> tuple[int, int, int]:
    """A due time as whole numbers a cursor holds: day since 1970, second of it, microsecond."""
    since = due_at - _EPOCH
    return since.days, since.seconds, since.microseconds


def _due_at_of(parts: tuple[int, ...]) -> datetime:
    days, seconds, microseconds = parts
    try:
        return _EPOCH + timedelta(days=days, seconds=seconds, microseconds=microseconds)
    except OverflowError:  # signed by us, but a changed key must not give a 500
        raise ValidationFailed("cursor is not valid", field="cursor") from None


def _schedule_item(planned: PlannedMessage, anchor: Anchor, patient: Patient, zone) -> ScheduleItem:
    return ScheduleItem(
        id=planned.id,
        step=planned.step_key,
        anchor=AnchorRef(id=anchor.id, category=anchor.category, kind=anchor.kind, at=anchor.at),
        due_at=planned.due_at,
        due_at_local=planned.due_at.astimezone(zone),
        status=planned.status,
        status_reason=planned.status_reason,
        **_outlook(planned, patient),
    )


def _outlook(planned: PlannedMessage, patient: Patient) -> dict:
    """Read-time answer to "will this still go out?" (scheduling/holds.py)."""
    if planned.status not in WAITING:
        return {"will_send": None, "hold_reason": None}
    reason = hold_reason(patient, planned.due_at)
    return {"will_send": reason is None, "hold_reason": reason}


def list_milestones(db: Session, *, patient: Patient) -> list[MilestoneOut]:
    """The patient's milestones (deleted ones included), in time order."""
    anchors = db.scalars(
        select(Anchor)
        .where(Anchor.patient_id == patient.id, Anchor.category == MILESTONE)
        .order_by(Anchor.at, Anchor.id)
    )
    return [milestone_out(anchor, patient) for anchor in anchors]


def get_milestone(db: Session, *, patient: Patient, milestone_id: int) -> Anchor:
    """One of the patient's milestones, or NotFoundError (another patient's id too)."""
    anchor = db.get(Anchor, milestone_id)
    if anchor is None or anchor.patient_id != patient.id or anchor.category != MILESTONE:
        raise NotFoundError("no such milestone for this patient")
    return anchor


def create_milestone(
    db: Session,
    *,
    patient: Patient,
    data: MilestoneCreate,
    now: datetime,
    trail: Trail | None = None,
) -> MilestoneOut:
    """Add a milestone of the patient's program, replan and commit; a second main
    milestone of one kind is a ConflictError (move the first instead). One use case for the
    API and the portal (whose trail audits `milestone.add` in the same transaction)."""
    with one_transaction(db):
        kinds = plans_of(get_content()).milestone_kinds(patient.program)
        if data.kind not in kinds:
            raise ValidationFailed(
                f"{data.kind!r} is not a milestone of the {patient.program} program "
                f"(one of: {', '.join(kinds) or 'none'})",
                field="kind",
            )
        if _scheduled_of_kind(db, patient, data.kind) and _is_main(patient, data.kind):
            raise ConflictError(f"the {data.kind} milestone exists already: PATCH it to move it")
        at, all_day = _instant(data.date, data.at, patient)
        anchor = Anchor(
            patient_id=patient.id,
            category=MILESTONE,
            kind=data.kind,
            at=at,
            all_day=all_day,
            status=AnchorStatus.SCHEDULED,
            created_at=now,
        )
        db.add(anchor)
        _sync_procedure_date(patient, anchor)
        _replan(db, patient, now)
        record_on(db, trail, action="milestone.add", now=now, target=f"patient:{patient.id}")
    return milestone_out(anchor, patient)


def move_milestone(
    db: Session,
    *,
    patient: Patient,
    anchor: Anchor,
    data: MilestoneUpdate,
    now: datetime,
    trail: Trail | None = None,
) -> MilestoneOut:
    """Move a milestone to a new day or time, replan and commit (`milestone.move`)."""
    with one_transaction(db):
        if anchor.status == AnchorStatus.CANCELLED:
            raise ConflictError("this milestone was deleted; create a new one")
        at, all_day = _instant(data.date, data.at, patient)
        if (at, all_day) != (anchor.at, anchor.all_day):
            anchor.at, anchor.all_day, anchor.revision = at, all_day, anchor.revision + 1
            anchor.updated_at = now
        _sync_procedure_date(patient, anchor)
        _replan(db, patient, now)
        record_on(db, trail, action="milestone.move", now=now, target=f"milestone:{anchor.id}")
    return milestone_out(anchor, patient)


def delete_milestone(
    db: Session, *, patient: Patient, anchor: Anchor, now: datetime, trail: Trail | None = None
) -> None:
    """Cancel a milestone (kept, marked cancelled), replan and commit; twice is harmless."""
    with one_transaction(db):
        if anchor.status != AnchorStatus.CANCELLED:
            anchor.status, anchor.revision = AnchorStatus.CANCELLED, anchor.revision + 1
            anchor.updated_at = now
            _sync_procedure_date(patient, anchor)
            _replan(db, patient, now)
        record_on(db, trail, action="milestone.delete", now=now, target=f"milestone:{anchor.id}")


def preview_milestone_move(
    db: Session, *, patient: Patient, anchor: Anchor, data: MilestoneUpdate | None, now: datetime
) -> list[PlannedChange]:
    """The planned messages moving the milestone (None: deleting it) would change."""
    if anchor.status == AnchorStatus.CANCELLED:
        raise ConflictError("this milestone was deleted; create a new one")
    new_at = None if data is None else _instant(data.date, data.at, patient)[0]
    return changes_if_moved(db, patient=patient, anchor=anchor, new_at=new_at, now=now)


def milestone_out(anchor: Anchor, patient: Patient) -> MilestoneOut:
    """The API form of a milestone: an all-day one as a local date in the patient's zone."""
    local_day = anchor.at.astimezone(ZoneInfo(patient.timezone)).date()
    out = MilestoneOut.model_validate(anchor)
    return out.model_copy(update={"date": local_day if anchor.all_day else None})


def _replan(db: Session, patient: Patient, now: datetime) -> None:
    db.flush()
    replan(db, patient_id=patient.id, now=now)


def _is_main(patient: Patient, kind: str) -> bool:
    return MILESTONE_KIND.get(patient.program) == kind


def _scheduled_of_kind(db: Session, patient: Patient, kind: str) -> bool:
    return (
        db.scalar(
            select(Anchor.id).where(
                Anchor.patient_id == patient.id,
                Anchor.category == MILESTONE,
                Anchor.kind == kind,
                Anchor.status == AnchorStatus.SCHEDULED,
            )
        )
        is not None
    )


def _sync_procedure_date(patient: Patient, anchor: Anchor) -> None:
    """The main milestone and `procedure_date` are one fact."""
    if not _is_main(patient, anchor.kind):
        return
    if anchor.status != AnchorStatus.SCHEDULED:
        patient.procedure_date = None
    else:
        patient.procedure_date = anchor.at.astimezone(ZoneInfo(patient.timezone)).date()


def _instant(day: date | None, at: datetime | None, patient: Patient) -> tuple[datetime, bool]:
    zone = ZoneInfo(patient.timezone)
    if day is not None:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), True
    assert at is not None
    # Without an offset: local time in the patient's zone, like appointments.
    return local_to_utc(at, patient.timezone, field="at"), False
