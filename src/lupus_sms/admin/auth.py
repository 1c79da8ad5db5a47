"""Admin sign-in state: the session (server-side, console/sessions.py), CSRF tokens and role
checks, as console/access.py does them for both consoles, with the admin's cookies
(console/cookies.py) and pages. A clinic's user never signs in here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lupus_sms.audit.service import Actor
from lupus_sms.console.access import ConsoleAccess, ConsolePageError
from lupus_sms.console.cookies import ADMIN_COOKIES
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.users import service as users
from lupus_sms.users.models import User

COOKIES = ADMIN_COOKIES
ACCOUNT_PAGE = "/admin/account"


class AdminPageError(ConsolePageError):
    """Rendered as an admin HTML page (not the API's JSON shape)."""


ACCESS = ConsoleAccess(COOKIES, "/admin/login", ACCOUNT_PAGE, AdminPageError)
Csrf, CsrfToken = ACCESS.csrf_dependencies()


def signed_in_user(request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep) -> User:
    """The signed-in admin, even one who must still replace a handed-over password."""
    user = ACCESS.signed_in(request, db, settings, clock, _service_user)
    request.state.user = user
    return user


def _service_user(session, user: User) -> User | None:
    return user if user.clinic_id is None else None


def current_user(user: Annotated[User, Depends(signed_in_user)]) -> User:
    """The signed-in admin, who may use the console."""
    ACCESS.check_password_replaced(user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
AccountUser = Annotated[User, Depends(signed_in_user)]


def require(permission: str):
    """A dependency: the signed-in user, if their role allows `permission`."""

    def dependency(user: CurrentUser) -> User:
        if not users.can(user, permission):
            raise ACCESS.role_refused()
        return user

    return Depends(dependency)


def actor_for(user: User) -> Actor:
    return Actor(user.email, user.id)
