"""Admin sign-in state: a signed session cookie, CSRF tokens and role checks.

The session cookie carries the user id and their `session_generation`, so deactivating a
user or changing a password ends every session at once. Cookies and CSRF tokens are
core/signed_cookies.py's, with the admin's own names, path and salts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.core.signed_cookies import SESSION_MAX_AGE, CookieSession
from lupus_sms.users import service as users
from lupus_sms.users.models import User

COOKIES = CookieSession(
    name="admin",
    session_cookie="lupus_admin_session",
    csrf_cookie="lupus_admin_csrf",
    path="/admin",
    state_key="csrf_token",
)
SESSION_COOKIE = COOKIES.session_cookie


class AdminPageError(Exception):
    """Rendered as an HTML page (not the API's JSON shape)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class LoginRequired(Exception):
    """Redirects to the sign-in page."""


def cookie_options(settings: Settings, *, max_age: int | None = SESSION_MAX_AGE) -> dict:
    return COOKIES.cookie_options(settings, max_age=max_age)


def session_cookie_value(settings: Settings, user: User) -> str:
    return COOKIES.session_value(settings, {"uid": user.id, "gen": user.session_generation})


def read_session(settings: Settings, raw: str | None) -> dict | None:
    return COOKIES.read_session(settings, raw)


def csrf_token(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> str:
    """This browser's CSRF token; a new one is set as a cookie by the admin middleware."""
    return COOKIES.csrf_token(request, settings)


async def verify_csrf(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> None:
    """Every state-changing admin request echoes the token (form field or header)."""
    if not await COOKIES.csrf_matches(request, settings):
        raise AdminPageError(403, "This form has expired. Go back, reload the page and retry.")


def current_user(
    request: Request, db: DbSession, settings: Annotated[Settings, Depends(get_settings)]
) -> User:
    session = read_session(settings, request.cookies.get(SESSION_COOKIE))
    user = _session_user(db, session)
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def _session_user(db: Session, session: dict | None) -> User | None:
    if not session:
        return None
    user = db.get(User, session.get("uid"))
    if user is None or not user.is_active or user.clinic_id is not None:
        return None
    return user if user.session_generation == session.get("gen") else None


CurrentUser = Annotated[User, Depends(current_user)]


def require(permission: str):
    """A dependency: the signed-in user, if their role allows `permission`."""

    def dependency(user: CurrentUser) -> User:
        if not users.can(user, permission):
            raise AdminPageError(403, "Your role does not allow this.")
        return user

    return Depends(dependency)


def actor_for(user: User) -> Actor:
    return Actor(user.email, user.id)


Csrf = Depends(verify_csrf)
