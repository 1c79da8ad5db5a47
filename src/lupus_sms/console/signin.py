"""Signing in, changing one's password and signing out everywhere, for both consoles.

A route that checks a password first takes one of the app's password slots (`PasswordSlot`,
core/work_slots.py): a few checks at a time per process. Beyond that the request is answered
429 with Retry-After at once, before its form is even read, so a flood costs the service
almost nothing. The check itself runs in a thread of low CPU priority, through
users/signin.py, which holds no database connection while hashing. Both consoles turn an
`Outcome` into their answer with `answer` (and end a session with `signed_out`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, record
from lupus_sms.console.pages import redirect
from lupus_sms.core.client_address import client_address
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.dependencies import SettingsDep
from lupus_sms.core.errors import AuthenticationError, LupusSmsError
from lupus_sms.core.signed_cookies import CookieSession
from lupus_sms.core.work_slots import Busy, WorkSlots, run_at_low_priority
from lupus_sms.users import service as users
from lupus_sms.users import sessions, signin, throttle
from lupus_sms.users.models import User

BUSY = "The service is busy signing people in. Try again in a few seconds."
# Every route that checks a password (each takes a `PasswordSlot`).
PASSWORD_PATHS = frozenset(
    {"/admin/login", "/admin/account/password", "/portal/login", "/portal/account/password"}
)


@dataclass(frozen=True)
class Outcome:
    status_code: int  # 303 done, 401 refused, 422 invalid, 429 slowed down or busy
    message: str = ""
    retry_after: int | None = None
    user: User | None = None
    session_token: str | None = None  # a new session for this browser


def password_slots(app: FastAPI, settings: Settings) -> WorkSlots:
    """The process's password-check slots (create_app makes them; a bare app gets some)."""
    slots = getattr(app.state, "password_slots", None)
    if slots is None:
        slots = app.state.password_slots = WorkSlots(settings.login_max_concurrent_hashes)
    return slots


async def password_slot(request: Request, settings: SettingsDep) -> AsyncIterator[None]:
    """A dependency: one password-check slot for this request, or Busy (`answer_busy`)."""
    async with password_slots(request.app, settings).slot():
        yield


PasswordSlot = Depends(password_slot)


async def answer_busy(request: Request, exc: Busy) -> Response:
    """The cheap answer to a sign-in beyond the slots: no template, no form read."""
    return PlainTextResponse(BUSY, 429, headers={"Retry-After": str(exc.retry_after)})


def answer(
    outcome: Outcome,
    settings: Settings,
    cookies: CookieSession,
    *,
    page: Callable[..., Response],
    done: str,
) -> Response:
    """The HTTP answer to a sign-in or a password change: the form's page again when refused,
    `page(status, error=reason)` (with Retry-After while slowed down), else on to `done` with
    the new session's cookie."""
    if outcome.session_token is None:
        response = page(outcome.status_code, error=outcome.message)
        if outcome.retry_after:
            response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    response = redirect(done)
    cookies.start(response, settings, outcome.session_token)
    return response


def signed_out(settings: Settings, cookies: CookieSession, *, login: str) -> Response:
    """On to the sign-in page `login`, the session's cookie cleared."""
    response = redirect(login)
    cookies.clear(response, settings)
    return response


async def sign_in(
    request: Request,
    db: Session,
    settings: Settings,
    clock: Clock,
    cookies: CookieSession,
    *,
    email: str,
    password: str,
    audit_action: str,
) -> Outcome:
    """Check the credentials (in a `PasswordSlot`); on success a new session. Audited as
    `audit_action` (and `<audit_action>_failed`) in the transaction recording the outcome."""
    attempt = signin.Attempt(
        email, password, client_address(request, settings.trusted_proxy_networks), cookies.name
    )
    return await run_at_low_priority(_sign_in, db, settings, clock, attempt, audit_action)


async def change_password(
    request: Request,
    db: Session,
    settings: Settings,
    clock: Clock,
    cookies: CookieSession,
    *,
    user: User,
    current: str,
    new: str,
    confirm: str,
) -> Outcome:
    """Check the current password (in a `PasswordSlot`, counted like a sign-in), set the new
    one, end every session of the user and start a new one for this browser."""
    if new != confirm:
        return Outcome(422, "The two new passwords differ.")
    attempt = signin.Attempt(
        user.email, current, client_address(request, settings.trusted_proxy_networks), cookies.name
    )
    return await run_at_low_priority(_change_password, db, settings, clock, attempt, new)


def sign_out_everywhere(db: Session, *, user: User, now, audit_action: str) -> None:
    ended = sessions.end_all(db, user_id=user.id)
    record(
        db,
        actor=Actor(user.email, user.id),
        action=audit_action,
        now=now,
        target=f"user:{user.id}",
        detail=f"{ended} session(s)",
    )
    db.commit()


def sign_out(db: Session, *, token: str | None, now, audit_action: str) -> None:
    """End this session; one that was live leaves `audit_action` under its user, as signing
    in and signing out everywhere do."""
    user_id = sessions.end(db, token=token)
    user = db.get(User, user_id) if user_id is not None else None
    if user is not None:
        record(db, actor=Actor(user.email, user.id), action=audit_action, now=now,
               target=f"user:{user.id}")  # fmt: skip
    db.commit()


def _sign_in(db, settings: Settings, clock: Clock, attempt, audit_action: str) -> Outcome:
    now = clock.now()
    try:
        user = _check(db, settings, attempt, now)
    except throttle.TooManyAttempts as exc:
        return Outcome(429, exc.message, retry_after=exc.retry_after)
    except AuthenticationError as exc:
        actor = Actor(attempt.email.strip().lower()[:254] or "?")
        record(db, actor=actor, action=f"{audit_action}_failed", now=now)
        db.commit()
        return Outcome(401, exc.message)
    user.last_login_at = now
    token = _start(db, settings, user, attempt.console, now)
    target = f"clinic:{user.clinic_id}" if user.clinic_id else None
    record(db, actor=Actor(user.email, user.id), action=audit_action, now=now, target=target)
    db.commit()
    return Outcome(303, user=user, session_token=token)


def _change_password(db, settings: Settings, clock: Clock, attempt, new: str) -> Outcome:
    now = clock.now()
    try:
        user = _check(db, settings, attempt, now)
    except throttle.TooManyAttempts as exc:
        return Outcome(429, exc.message, retry_after=exc.retry_after)
    except AuthenticationError:
        return Outcome(422, "The current password is not right.")
    try:
        users.change_password(db, user=user, password=new)
    except LupusSmsError as exc:
        db.rollback()
        return Outcome(422, exc.message)
    token = _start(db, settings, user, attempt.console, now)
    record(
        db,
        actor=Actor(user.email, user.id),
        action="user.password_changed",
        now=now,
        target=f"user:{user.id}",
    )
    db.commit()
    return Outcome(303, user=user, session_token=token)


def _check(db, settings: Settings, attempt, now) -> User:
    return signin.check(
        db, attempt=attempt, now=now, failures_per_address=settings.login_failures_per_address
    )


def _start(db, settings: Settings, user: User, console: str, now) -> str:
    policy = sessions.SessionPolicy.from_settings(settings)
    return sessions.start(db, user_id=user.id, console=console, now=now, policy=policy)
