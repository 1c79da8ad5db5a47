"""Console sessions kept on the server, so that they can end at once.

A signed-in browser holds a random token in a cookie; the database holds its SHA-256 hash,
the user, the console ("admin" or "portal") and three times. A session ends when its row is
deleted: sign-out (`end`), "sign out everywhere", a password change and deactivation
(`end_all`), and on its own after `idle` without use or `lifetime` after sign-in. A copied
cookie is worth nothing once its row is gone.

Use is recorded at most once a minute (`TOUCH_EVERY`), so most requests only read. Helpers
flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lupus_sms.core.config import Settings
from lupus_sms.users.models import ConsoleSession

TOUCH_EVERY = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
        )


def start(
    db: Session,
    *,
    user_id: int,
    console: str,
    now: datetime,
    policy: SessionPolicy,
    clinic_id: int | None = None,
) -> str:
    """A new session; returns its token (for the cookie), which is stored only hashed."""
    _forget_ended(db, now=now, policy=policy)
    token = secrets.token_urlsafe(32)
    db.add(
        ConsoleSession(
            token_hash=_token_hash(token),
            user_id=user_id,
            console=console,
            clinic_id=clinic_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.lifetime,
        )
    )
    db.flush()
    return token


def resume(
    db: Session,
    *,
    token: str | None,
    console: str,
    now: datetime,
    policy: SessionPolicy,
    touch: bool = True,
) -> tuple[ConsoleSession | None, bool]:
    """The live session of this token in this console (or None), and whether anything was
    written: its use recorded, or an ended session deleted. Flushes.

    `touch=False` for requests the browser makes on its own (a badge's poll): they must not
    keep an unattended session alive."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None, False
    found = db.scalar(
        select(ConsoleSession).where(
            ConsoleSession.token_hash == _token_hash(token), ConsoleSession.console == console
        )
    )
    if found is None:
        return None, False
    if found.expires_at <= now or found.last_seen_at + policy.idle <= now:
        db.delete(found)
        db.flush()
        return None, True
    if touch and now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        db.flush()
        return found, True
    return found, False


def end(db: Session, *, token: str | None) -> int | None:
    """End the session of this token: the id of its user, or None when none was live."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = db.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == _token_hash(token)))
    if found is None:
        return None
    db.delete(found)
    db.flush()
    return found.user_id


def end_all(db: Session, *, user_id: int) -> int:
    """Every session of the user, in both consoles: sign out everywhere."""
    return db.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id)).rowcount


def _forget_ended(db: Session, *, now: datetime, policy: SessionPolicy) -> None:
    """Rows of sessions that ended on their own (nobody signed out) do not pile up."""
    ended = (ConsoleSession.expires_at <= now) | (ConsoleSession.last_seen_at <= now - policy.idle)
    db.execute(delete(ConsoleSession).where(ended))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
