"""Portal sign-in state: who is signed in, for which clinic, and what their role allows.

Two kinds of people use the portal: clinic users (a `users` row with a clinic_id and a clinic
role) and service admins (clinic_id NULL) who opened one clinic's portal from the console.
Both are re-validated on every request (console/access.py): a live server-side session, an
active user, and for admins a role that still allows it. Cookies and CSRF salts differ from
the admin's, and the cookies have path /portal (console/cookies.py), so neither session can
be used in the other place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, Trail
from lupus_sms.clinics.models import Clinic
from lupus_sms.console.access import ConsoleAccess, ConsolePageError
from lupus_sms.console.cookies import PORTAL_COOKIES
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.users import service as users
from lupus_sms.users.models import CLINIC_ROLES, ConsoleSession, User
from lupus_sms.users.service import SERVICE_ADMIN_PERMISSION

COOKIES = PORTAL_COOKIES
ACCOUNT_PAGE = "/portal/account"

# What each clinic role may do: the one table every portal check reads.
# Every role writes to patients; marking a text urgent (it then goes out even outside the
# patient's send window) is a clinical call, left to nurses and clinic admins.
_EVERYONE = {"patients.view", "patients.manage", "alerts.view", "messages.send", "threads.manage"}
_CLINICAL = {"alerts.acknowledge", "messages.urgent"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "coordinator": frozenset(_EVERYONE),
    "nurse": frozenset(_EVERYONE | _CLINICAL),
    "clinic_admin": frozenset(
        _EVERYONE
        | _CLINICAL
        | {"users.manage", "settings.manage", "keys.manage", "quick_replies.manage"}
    ),
}


class PortalPageError(ConsolePageError):
    """Rendered as a portal HTML page with this status (not the API's JSON shape)."""


ACCESS = ConsoleAccess(COOKIES, "/portal/login", ACCOUNT_PAGE, PortalPageError)
PortalCsrf, PortalCsrfToken = ACCESS.csrf_dependencies()


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

    @property
    def trail(self) -> Trail:
        """Every change made in the portal is in the audit log under the person who made it
        (a service admin's marked as such), with the clinic it was made in."""
        return Trail(self.actor, "portal.", f"clinic:{self.clinic.id}")


def signed_in_context(
    request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> PortalContext:
    """The signed-in person's context (SignInRequired, a redirect, otherwise), even one who
    must still replace a handed-over password."""
    context = ACCESS.signed_in(
        request, db, settings, clock, lambda session, user: _context_for(db, session, user)
    )
    request.state.portal = context
    request.state.portal_db = db  # for the open-alert badge in pages.render
    return context


def portal_context(
    context: Annotated[PortalContext, Depends(signed_in_context)],
) -> PortalContext:
    """The signed-in person's context, for a person who may use the portal."""
    ACCESS.check_password_replaced(context.user)
    return context


def _context_for(db: Session, session: ConsoleSession, user: User) -> PortalContext | None:
    if user.clinic_id is not None:
        if session.clinic_id is not None or user.role not in CLINIC_ROLES:
            return None
        clinic = db.get(Clinic, user.clinic_id)
        return PortalContext(clinic, user.role, user, False, Actor(user.email, user.id))
    clinic = db.get(Clinic, session.clinic_id) if session.clinic_id else None
    if clinic is None or not users.can(user, SERVICE_ADMIN_PERMISSION):
        return None
    actor = Actor(f"{user.email} (service admin)", user.id)
    return PortalContext(clinic, "clinic_admin", user, True, actor)


Portal = Annotated[PortalContext, Depends(portal_context)]
AccountPortal = Annotated[PortalContext, Depends(signed_in_context)]


def require_portal(permission: str):
    """A dependency: the portal context, if the role allows `permission` (403 page otherwise)."""

    def dependency(portal: Portal) -> PortalContext:
        if not portal.can(permission):
            raise ACCESS.role_refused()
        return portal

    return Depends(dependency)
