"""People who sign in, their sessions, and the counts that slow down password guessing.

Passwords are Argon2 hashes; a reset link, a session token and a throttled email are stored
only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin

ROLES = ("editor", "reviewer", "owner")
# Roles of clinic users (clinic_id set), who sign in to the clinic portal only.
CLINIC_ROLES = ("coordinator", "nurse", "clinic_admin")


class User(Base, TimestampMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # editor | reviewer | owner (| clinic roles)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The password was chosen by someone else (the demo, an operator): replace it first.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reset_token_hash: Mapped[str | None] = mapped_column(String(64))
    reset_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(default=False)


class ConsoleSession(Base):
    """One signed-in browser of one console ("admin" or "portal"). The cookie holds a random
    token; ending a session is deleting its row (users/sessions.py)."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    console: Mapped[str] = mapped_column(String(8))
    # A service admin's session in one clinic's portal names that clinic.
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginThrottle(Base):
    """Failed sign-ins counted for one scope: an account, an account at one client address,
    or one client address (users/throttle.py)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The hashed email of the account and account-at-address scopes, to unlock them.
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
