"""What moving or cancelling an anchor would do to its planned messages, before it is done.

The answer comes from the planner's own rules (`due_time`, `too_late`), so the preview and
the replan that follows a confirmed change can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.content.service import get_content
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging import statuses
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.planner import PLANNABLE_STATUSES, due_time, too_late, window_of
from lupus_sms.scheduling.plans import plans_of


@dataclass(frozen=True)
class PlannedChange:
    """One plan step of the anchor: when it is due now, and when it would be after."""

    step: str
    due_at: datetime | None  # None: nothing open for this step now
    new_due_at: datetime | None  # None: it would be cancelled
    outcome: str  # moves | unchanged | cancelled | added | skipped (already too late)


def changes_if_moved(
    db: Session, *, patient: Patient, anchor: Anchor, new_at: datetime | None, now: datetime
) -> list[PlannedChange]:
    """The planned messages of `anchor` if it moved to `new_at` (None: if it were cancelled)."""
    current = {
        row.step_key: row.due_at
        for row in db.scalars(
            select(PlannedMessage).where(
                PlannedMessage.anchor_id == anchor.id,
                PlannedMessage.anchor_revision == anchor.revision,
                PlannedMessage.status == statuses.PLANNED,
            )
        )
    }
    wanted = {} if new_at is None else _wanted(db, patient, anchor, new_at, now)
    changes = [_change(step, current.get(step), wanted.get(step)) for step in current | wanted]
    return sorted(changes, key=lambda c: (c.new_due_at or c.due_at, c.step))


def _wanted(db, patient, anchor, new_at, now) -> dict[str, tuple[datetime, bool]]:
    """Step key -> (due time, already too late) for the anchor at `new_at`."""
    if patient.status not in PLANNABLE_STATUSES:
        return {}
    window = window_of(db, patient)
    wanted = {}
    for step in plans_of(get_content()).steps:
        if step.applies_to(program=patient.program, category=anchor.category, kind=anchor.kind):
            due_at = due_time(step, anchor_at=new_at, window=window)
            wanted[step.key] = (due_at, too_late(step, due_at=due_at, anchor_at=new_at, now=now))
    return wanted


def _change(step: str, due_at: datetime | None, wanted) -> PlannedChange:
    if wanted is None:
        return PlannedChange(step, due_at, None, "cancelled")
    new_due_at, late = wanted
    if late:
        return PlannedChange(step, due_at, new_due_at, "skipped")
    if due_at is None:
        return PlannedChange(step, None, new_due_at, "added")
    outcome = "unchanged" if due_at == new_due_at else "moves"
    return PlannedChange(step, due_at, new_due_at, outcome)
