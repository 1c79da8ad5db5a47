"""Checking a sign-in without letting a flood of them starve the service or tell anything.

Argon2 is slow on purpose (about 0.1 to 0.5 s of CPU and 64 MiB a check). Done inside a
transaction, a check held a database connection (on SQLite, the write lock) that long, and a
flood of logins timed out the pool for everyone. So a sign-in is three steps:

1. one short transaction: count the attempt (users/throttle.py) and read the account;
   commit, which hands the connection back;
2. the password check, with no transaction and no connection;
3. one short transaction, the caller's: record the outcome (and start the session).

Every outcome costs exactly one check at the current cost: an unknown email, a wrong
password, an account that is slowed down, inactive or of the other console is checked
against a stored hash or a dummy one, so the time an answer takes tells nothing. How many
checks run at once is bounded per process by the caller (core/work_slots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.core.errors import AuthenticationError
from lupus_sms.users import throttle
from lupus_sms.users.models import CLINIC_ROLES, User
from lupus_sms.users.passwords import verify_password

REFUSED = "wrong email or password"


@dataclass(frozen=True)
class Attempt:
    email: str
    password: str
    address: str  # the client's (core/client_address.py)
    console: str  # "admin" (admin users) or "portal" (clinic users)


@dataclass(frozen=True)
class _Account:
    id: int
    password_hash: str | None
    usable: bool  # active, and an account of this console


def check(db: Session, *, attempt: Attempt, now: datetime, failures_per_address: int) -> User:
    """The user whose password this is, or AuthenticationError / throttle.TooManyAttempts.

    Commits the counting transaction; on success the returned user is loaded in a new one,
    which the caller commits with the session it starts."""
    email = attempt.email.strip().lower()[:254]
    slowed_down = _count_attempt(db, attempt, email, now, failures_per_address)
    account = _account(db, email, attempt.console)
    db.commit()  # no transaction and no connection while Argon2 runs
    stored_hash = account.password_hash if account and not slowed_down else None
    matches = verify_password(stored_hash, attempt.password)
    if slowed_down is not None:
        raise slowed_down
    if account is None or not account.usable or not matches:
        raise AuthenticationError(REFUSED)
    user = db.get(User, account.id, populate_existing=True)
    if user is None or not _usable(user, attempt.console):  # changed meanwhile
        raise AuthenticationError(REFUSED)
    throttle.succeeded(db, email=email, address=attempt.address)
    throttle.forget_old(db, now=now)
    db.flush()
    return user


def _count_attempt(
    db: Session, attempt: Attempt, email: str, now: datetime, failures_per_address: int
) -> throttle.TooManyAttempts | None:
    try:
        throttle.reserve(
            db,
            email=email,
            address=attempt.address,
            now=now,
            failures_per_address=failures_per_address,
        )
    except throttle.TooManyAttempts as exc:
        db.rollback()
        return exc
    return None


def _account(db: Session, email: str, console: str) -> _Account | None:
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        return None
    return _Account(user.id, user.password_hash, _usable(user, console))


def _usable(user: User, console: str) -> bool:
    """Admins sign in to the admin console only, clinic users to the portal only."""
    if not user.is_active or not user.password_hash:
        return False
    if console == "portal":
        return user.clinic_id is not None and user.role in CLINIC_ROLES
    return user.clinic_id is None
