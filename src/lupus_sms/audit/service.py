"""Write and read the audit log. Helpers flush; the use case commits (`one_transaction`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@dataclass(frozen=True)
class Trail:
    """How a console writes the changes it makes: who acts, the console's prefix for the
    action names ("portal."), and the detail each of its entries carries (the clinic).
    The API's trail names the key that acts ("api.", clinics/dependencies.py `ApiTrail`)."""

    actor: Actor
    prefix: str = ""
    detail: str | None = None


@contextmanager
def one_transaction(db: Session) -> Iterator[None]:
    """The body of a use case: its change and its audit entry are committed together, or on
    any error (a refusal, a failed audit write) both are rolled back and the error raised."""
    try:
        yield
        db.commit()
    except BaseException:
        db.rollback()
        raise


def record_on(
    db: Session,
    trail: Trail | None,
    *,
    action: str,
    now: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Add the console's or the API's entry for `action` (nothing without a trail)."""
    if trail is not None:
        record(db, actor=trail.actor, action=trail.prefix + action, now=now, target=target,
               detail=trail.detail if detail is None else detail)  # fmt: skip


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


def record_view(
    db: Session,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """The use case of a page or file that shows what must leave a trace (a patient's page,
    an export): the entry is committed before anything is shown."""
    with one_transaction(db):
        record(db, actor=actor, action=action, now=now, target=target, detail=detail)


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
