"""Portal sign-in state: who is signed in, for which clinic, and what their role allows.

Two kinds of people use the portal: clinic users (a `users` row with a clinic_id and a clinic
role) and service admins (clinic_id NULL) who opened one clinic's portal from the console.
Both are re-validated on every request: active, same `session_generation`, and for admins a
role that still allows it. Cookies and CSRF salts differ from the admin's, and the cookies have
path /portal, so neither session can be used in the other place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.core.signed_cookies import SESSION_MAX_AGE, CookieSession
from lupus_sms.users import service as users
from lupus_sms.users.models import CLINIC_ROLES, User

COOKIES = CookieSession(
    name="portal",
    session_cookie="lupus_portal_session",
    csrf_cookie="lupus_portal_csrf",
    path="/portal",
    state_key="portal_csrf_token",
)
SESSION_COOKIE = COOKIES.session_cookie
# The admin permission that lets a service admin open (and act in) any clinic's portal.
SERVICE_ADMIN_PERMISSION = "clinics.manage"

# What each clinic role may do: the one table every portal check reads.
_EVERYONE = {"patients.view", "patients.manage", "alerts.view"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "coordinator": frozenset(_EVERYONE),
    "nurse": frozenset(_EVERYONE | {"alerts.acknowledge"}),
    "clinic_admin": frozenset(
        _EVERYONE | {"alerts.acknowledge", "users.manage", "settings.manage", "keys.manage"}
    ),
}


class PortalPageError(Exception):
    """Rendered as an HTML page with this status (not the API's JSON shape)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class PortalLoginRequired(Exception):
    """Redirects to the portal's sign-in page."""


@dataclass
class PortalContext:
    """The signed-in person and the clinic they are looking at."""

    clinic: Clinic
    role: str
    user: User
    is_service_admin: bool
    actor: Actor

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def cookie_options(settings: Settings, *, max_age: int | None = SESSION_MAX_AGE) -> dict:
    return COOKIES.cookie_options(settings, max_age=max_age)


def session_cookie_value(settings: Settings, user: User, *, clinic_id: int | None = None) -> str:
    """A clinic user's session, or (with `clinic_id`) a service admin's view of one clinic."""
    payload = {"uid": user.id, "gen": user.session_generation}
    if clinic_id is not None:
        payload["cid"] = clinic_id
    return COOKIES.session_value(settings, payload)


def set_session_cookie(response, settings: Settings, user: User, *, clinic_id=None) -> None:
    value = session_cookie_value(settings, user, clinic_id=clinic_id)
    response.set_cookie(SESSION_COOKIE, value, **cookie_options(settings))


def clear_cookies(response, settings: Settings) -> None:
    COOKIES.clear(response, settings)


def _read_session(settings: Settings, raw: str | None) -> dict | None:
    return COOKIES.read_session(settings, raw)


def portal_csrf_token(request: Request, settings: Settings) -> str:
    """This browser's portal CSRF token; a new one is set as a cookie by the portal middleware."""
    return COOKIES.csrf_token(request, settings)


def csrf_token_dependency(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> str:
    return portal_csrf_token(request, settings)


async def verify_portal_csrf(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> None:
    """Every state-changing portal request echoes the token (form field or header)."""
    if not await COOKIES.csrf_matches(request, settings):
        raise PortalPageError(403, "This form has expired. Go back, reload the page and retry.")


def portal_context(
    request: Request, db: DbSession, settings: Annotated[Settings, Depends(get_settings)]
) -> PortalContext:
    """The signed-in person's context; PortalLoginRequired (a redirect) otherwise."""
    session = _read_session(settings, request.cookies.get(SESSION_COOKIE))
    context = _context_for(db, session)
    if context is None:
        raise PortalLoginRequired()
    portal_csrf_token(request, settings)  # every signed-in page has a sign-out form
    request.state.portal = context
    request.state.portal_db = db  # for the open-alert badge in pages.render
    return context


def _context_for(db: Session, session: dict | None) -> PortalContext | None:
    if not session:
        return None
    user = db.get(User, session.get("uid"))
    if user is None or not user.is_active or user.session_generation != session.get("gen"):
        return None
    if user.clinic_id is not None:
        if "cid" in session or user.role not in CLINIC_ROLES:
            return None
        clinic = db.get(Clinic, user.clinic_id)
        return PortalContext(clinic, user.role, user, False, Actor(user.email, user.id))
    clinic = db.get(Clinic, session.get("cid") or 0)
    if clinic is None or not users.can(user, SERVICE_ADMIN_PERMISSION):
        return None
    actor = Actor(f"{user.email} (service admin)", user.id)
    return PortalContext(clinic, "clinic_admin", user, True, actor)


Portal = Annotated[PortalContext, Depends(portal_context)]


def require_portal(permission: str):
    """A dependency: the portal context, if the role allows `permission` (403 page otherwise)."""

    def dependency(portal: Portal) -> PortalContext:
        if not portal.can(permission):
            raise PortalPageError(403, "Your role does not allow this.")
        return portal

    return Depends(dependency)


PortalCsrf = Depends(verify_portal_csrf)
PortalCsrfToken = Annotated[str, Depends(csrf_token_dependency)]
