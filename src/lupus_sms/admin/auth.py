"""Admin sign-in state: the session (server-side, console/sessions.py), CSRF tokens and role
checks. Cookies and CSRF tokens are core/signed_cookies.py's, with the admin's own names,
path and salts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lupus_sms.audit.service import Actor
from lupus_sms.console.cookies import ADMIN_COOKIES
from lupus_sms.console.sessions import current_session
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.users import service as users
from lupus_sms.users.models import User

COOKIES = ADMIN_COOKIES
SESSION_COOKIE = COOKIES.session_cookie
ACCOUNT_PAGE = "/admin/account"


class AdminPageError(Exception):
    """Rendered as an HTML page (not the API's JSON shape)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class LoginRequired(Exception):
    """Redirects to the sign-in page."""


class PasswordChangeRequired(Exception):
    """Redirects to the account page: the password was handed over and must be replaced."""


def csrf_token(request: Request, settings: SettingsDep) -> str:
    """This request's CSRF token (bound to its session once signed in)."""
    return COOKIES.csrf_token(request, settings)


async def verify_csrf(request: Request, settings: SettingsDep) -> None:
    """Every state-changing admin request echoes the token (form field or header)."""
    if not await COOKIES.csrf_matches(request, settings):
        raise AdminPageError(403, "This form has expired. Go back, reload the page and retry.")


def signed_in_user(request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep) -> User:
    """The signed-in admin, even one who must still replace a handed-over password."""
    found = current_session(request, db, settings, clock, COOKIES)
    if found is None or found[1].clinic_id is not None:
        raise LoginRequired()
    user = found[1]
    request.state.user = user
    COOKIES.csrf_token(request, settings)  # every signed-in page has a sign-out form
    return user


def current_user(user: Annotated[User, Depends(signed_in_user)]) -> User:
    """The signed-in admin, who may use the console."""
    if user.must_change_password:
        raise PasswordChangeRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
AccountUser = Annotated[User, Depends(signed_in_user)]


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
