"""Write and read the audit log. Helpers flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or the command line."""

    label: str
    user_id: int | None = None


CLI_ACTOR = Actor("cli")


def record(
    db: Session,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        at=now,
        user_id=actor.user_id,
        actor=actor.label,
        action=action,
        target=target,
        detail=detail,
    )
    db.add(entry)
    db.flush()
    return entry


def get_all(
    db: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first; each filter is a case-insensitive substring."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    for column, value in ((AuditEntry.actor, actor), (AuditEntry.action, action)):
        if value:
            query = query.where(column.ilike(f"%{value.strip()}%"))
    if target:
        query = query.where(AuditEntry.target.ilike(f"%{target.strip()}%"))
    return list(db.scalars(query))
