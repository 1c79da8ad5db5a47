"""Which conversations a clinic's API list shows: one clinic only, by status and assignee."""

from __future__ import annotations

from sqlalchemy import Select, select

from lupus_sms.threads.models import Thread

UNASSIGNED = "none"


def conversations_query(
    *, clinic_id: int, status: str | None = None, assignee: int | str | None = None
) -> Select:
    """`assignee`: a user id, UNASSIGNED for nobody's, None for everyone's."""
    stmt = select(Thread).where(Thread.clinic_id == clinic_id)
    if status is not None:
        stmt = stmt.where(Thread.status == status)
    if assignee == UNASSIGNED:
        stmt = stmt.where(Thread.assigned_user_id.is_(None))
    elif assignee is not None:
        stmt = stmt.where(Thread.assigned_user_id == assignee)
    return stmt
