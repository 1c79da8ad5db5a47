"""The plan behind an enrolment, as enrollment asks for it.

Enrollment changes what a patient's plan depends on (consent, pauses, appointments,
milestones, unenrolment) and then has the plan redone; the plan itself belongs to scheduling,
a layer above, which enrollment does not import. Scheduling hands its planner in with
`register_planner` when its package is imported, which every entry point does through
`lupus_sms.models`. Until then, asking for a plan fails loudly instead of planning nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Planner:
    """`replan(db, *, patient_id, now)`, and `changes_if_moved(db, *, patient, anchor,
    new_at, now)`: the planned messages an anchor's move would change."""

    replan: Callable[..., None]
    changes_if_moved: Callable[..., list[Any]]


_planner: list[Planner] = []


def register_planner(planner: Planner) -> None:
    _planner[:] = [planner]


def _current() -> Planner:
    if not _planner:
        raise RuntimeError("no planner registered: import lupus_sms.scheduling first")
    return _planner[0]


def replan(db: Session, *, patient_id: int, now: datetime) -> None:
    """Redo the patient's plan after a change it depends on (idempotent)."""
    _current().replan(db, patient_id=patient_id, now=now)


def changes_if_moved(db: Session, *, patient, anchor, new_at: datetime | None, now: datetime):
    """The planned messages of `anchor` if it moved to `new_at` (None: if it were cancelled)."""
    return _current().changes_if_moved(db, patient=patient, anchor=anchor, new_at=new_at, now=now)
