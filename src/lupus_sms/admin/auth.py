"""Admin sign-in state: a signed session cookie, CSRF tokens and role checks.

The session cookie carries the user id and their `session_generation`, so deactivating a
user or changing a password ends every session at once. CSRF uses a signed double-submit
token: a random value in an HttpOnly cookie that every form and fetch must echo.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.users import service as users
from lupus_sms.users.models import User

SESSION_COOKIE = "lupus_admin_session"
CSRF_COOKIE = "lupus_admin_csrf"
SESSION_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class AdminPageError(Exception):
    """Rendered as an HTML page (not the API's JSON shape)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class LoginRequired(Exception):
    """Redirects to the sign-in page."""


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt=f"lupus-admin-{purpose}")


def cookie_options(settings: Settings, *, max_age: int | None = SESSION_MAX_AGE) -> dict:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": settings.public_base_url.startswith("https://"),
        "path": "/admin",
        "max_age": max_age,
    }


def session_cookie_value(settings: Settings, user: User) -> str:
    payload = {"uid": user.id, "gen": user.session_generation}
    return _serializer(settings, "session").dumps(payload)


def read_session(settings: Settings, raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        return _serializer(settings, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None


def csrf_token(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> str:
    """This browser's CSRF token; a new one is set as a cookie by the admin middleware."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return token
    try:
        token = _serializer(settings, "csrf").loads(request.cookies.get(CSRF_COOKIE, ""))
    except BadSignature:
        token = secrets.token_urlsafe(24)
        value = _serializer(settings, "csrf").dumps(token)
        request.state.new_csrf_cookie = (value, cookie_options(settings, max_age=None))
    request.state.csrf_token = token
    return token


async def verify_csrf(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> None:
    """Every state-changing admin request echoes the token (form field or header)."""
    expected = csrf_token(request, settings)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = str(form.get(CSRF_FIELD, ""))
    if "new_csrf_cookie" in request.state._state or not hmac.compare_digest(sent, expected):
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
