"""Failed sign-ins slow further attempts down, per scope, instead of locking accounts.

Three scopes, each with failures that cost nothing and a longest wait:

| scope                    | free     | longest wait | against                                 |
|--------------------------|----------|--------------|-----------------------------------------|
| account at one address   | 5        | 15 min       | guessing one account from one place     |
| account                  | 20       | 1 min        | guessing one account from many places   |
| address                  | 100 (*)  | 5 min        | one place trying many accounts          |

(*) `LOGIN_FAILURES_PER_ADDRESS`: a whole clinic may share one NAT address. Past its free
failures, each further failure doubles the wait before the next attempt, from 1 s up to the
longest. A scope forgets its failures an hour after the last one. An attacker therefore
slows down quickly where they are, while the account's owner, elsewhere, waits a minute at
most: nobody can keep someone else locked out. An unknown email is counted like a known
one, so the answers say nothing about which emails exist.

Attempts are counted *before* the password is checked, one short transaction per attempt
with a conditional `UPDATE ... RETURNING` per scope (row-locked on PostgreSQL, serialised
on SQLite, rows always taken in key order): N concurrent attempts are N counts, and once the
free ones are used no further attempt gets its password checked until the wait is over. A
success takes its own count back, and with it the failures of that account at that address
(they were the owner's typos): `succeeded`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, ip_address, ip_network

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lupus_sms.core.errors import LupusSmsError
from lupus_sms.users.models import LoginThrottle

FORGET_AFTER = timedelta(hours=1)
_NO_SYNC = {"synchronize_session": False}  # bulk statements: no ORM objects to keep in step
FIRST_WAIT_SECONDS = 1


@dataclass(frozen=True)
class Scope:
    prefix: str
    free: int
    longest: timedelta


ACCOUNT_AT_ADDRESS = Scope("pair", 5, timedelta(minutes=15))
ACCOUNT = Scope("account", 20, timedelta(minutes=1))
ADDRESS_LONGEST = timedelta(minutes=5)


class TooManyAttempts(LupusSmsError):
    """Answered 429 with Retry-After."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many sign-in attempts. Try again in {_in_words(retry_after)}, or ask an "
            "administrator to unlock the account."
        )
        self.retry_after = retry_after


def reserve(
    db: Session, *, email: str, address: str, now: datetime, failures_per_address: int
) -> None:
    """Count one attempt in every scope, or TooManyAttempts (nothing counted) while any
    scope is waiting. Flushes; the caller commits, or rolls back on TooManyAttempts."""
    rows = _rows(email, address, failures_per_address)
    for key, (hashed, _scope) in rows.items():
        _insert_missing(db, key=key, hashed_email=hashed, now=now)
    for key, (hashed, scope) in rows.items():
        failures = _count(db, key=key, now=now)
        if failures is None:  # waiting, or the row was just forgotten (`forget_old`)
            retry_after = wait(db, email=email, address=address, now=now)
            if retry_after:
                raise TooManyAttempts(retry_after)
            _insert_missing(db, key=key, hashed_email=hashed, now=now)
            failures = _count(db, key=key, now=now) or 1
        if failures >= scope.free:
            until = now + _wait_after(failures, scope)
            db.execute(
                update(LoginThrottle).where(LoginThrottle.key == key).values(blocked_until=until),
                execution_options=_NO_SYNC,
            )


def _count(db: Session, *, key: str, now: datetime) -> int | None:
    """One more failure on this row, unless it is waiting: the new count, or None."""
    return db.scalar(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, _not_waiting(now))
        .values(
            failures=case(
                (LoginThrottle.last_failure_at < now - FORGET_AFTER, 1),
                else_=LoginThrottle.failures + 1,
            ),
            last_failure_at=now,
            blocked_until=None,
        )
        .returning(LoginThrottle.failures),
        execution_options=_NO_SYNC,
    )


def succeeded(db: Session, *, email: str, address: str) -> None:
    """The password was right: forget the account's failures, and the address's failures
    that were this account's there (the owner's typos). Rows are written in key order, as
    in `reserve`, so that two attempts never wait for each other's rows. Flushes."""
    pair_key, address_key = _pair_key(email, address), _address_key(address)
    typos = db.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == pair_key)) or 0
    forgiven = case((LoginThrottle.failures > typos, LoginThrottle.failures - typos), else_=0)
    for key in sorted((_account_key(email), address_key, pair_key)):
        if key == address_key:
            statement = update(LoginThrottle).where(LoginThrottle.key == key)
            db.execute(statement.values(failures=forgiven), execution_options=_NO_SYNC)
        else:
            statement = delete(LoginThrottle).where(LoginThrottle.key == key)
            db.execute(statement, execution_options=_NO_SYNC)


def wait(db: Session, *, email: str, address: str, now: datetime) -> int:
    """Seconds before this email may be tried from this address (0: now)."""
    keys = [_address_key(address), _account_key(email), _pair_key(email, address)]
    until = db.scalar(
        select(func.max(LoginThrottle.blocked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.blocked_until > now
        )
    )
    return math.ceil((until - now).total_seconds()) if until else 0


def slowed_down(db: Session, *, emails: list[str], now: datetime) -> set[str]:
    """Those of `emails` whose account has failed attempts to forgive (to offer an unlock)."""
    by_hash = {email_hash(email): email for email in emails}
    slowed = or_(
        LoginThrottle.blocked_until > now, LoginThrottle.failures >= ACCOUNT_AT_ADDRESS.free
    )
    found = db.scalars(
        select(LoginThrottle.email_hash).where(LoginThrottle.email_hash.in_(by_hash), slowed)
    )
    return {by_hash[value] for value in found}


def unlock_account(db: Session, *, email: str) -> int:
    """Forget every failure counted for this email, at every address. Flushes."""
    hashed = email_hash(email)
    return db.execute(delete(LoginThrottle).where(LoginThrottle.email_hash == hashed)).rowcount


def unlock_address(db: Session, *, address: str) -> int:
    result = db.execute(delete(LoginThrottle).where(LoginThrottle.key == _address_key(address)))
    return result.rowcount


def forget_old(db: Session, *, now: datetime, batch: int = 500) -> int:
    """Delete rows whose failures are forgotten anyway, so that guessing with made-up emails
    cannot grow the table. Rows an attempt holds right now are skipped (on PostgreSQL), not
    waited for."""
    stale = (LoginThrottle.last_failure_at < now - FORGET_AFTER) & or_(
        LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now
    )
    keys = select(LoginThrottle.key).where(stale).limit(batch).with_for_update(skip_locked=True)
    found = list(db.scalars(keys))
    if not found:
        return 0
    return db.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(found))).rowcount


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _rows(email: str, address: str, per_address: int) -> dict[str, tuple[str | None, Scope]]:
    """Key -> (email hash, scope), in key order (the order rows are locked in)."""
    hashed = email_hash(email)
    address_scope = Scope("address", per_address, ADDRESS_LONGEST)
    rows = {
        _account_key(email): (hashed, ACCOUNT),
        _pair_key(email, address): (hashed, ACCOUNT_AT_ADDRESS),
        _address_key(address): (None, address_scope),
    }
    return dict(sorted(rows.items()))


def _account_key(email: str) -> str:
    return f"account:{email_hash(email)}"


def _pair_key(email: str, address: str) -> str:
    combined = hashlib.sha256(f"{email_hash(email)}@{_address_group(address)}".encode())
    return f"pair:{combined.hexdigest()}"


def _address_key(address: str) -> str:
    return f"address:{_address_group(address)}"[:80]


def _address_group(address: str) -> str:
    """An IPv6 client controls a whole /64: it counts as one address."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _insert_missing(db: Session, *, key: str, hashed_email: str | None, now: datetime) -> None:
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        dialect_insert(LoginThrottle)
        .values(key=key, email_hash=hashed_email, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _not_waiting(now: datetime):
    return or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now)


def _wait_after(failures: int, scope: Scope) -> timedelta:
    doublings = min(failures - scope.free, 20)
    seconds = FIRST_WAIT_SECONDS * 2**doublings
    return min(timedelta(seconds=seconds), scope.longest)


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"
