"""The clinic's users (clinic_admin): invite, change role, deactivate, issue reset links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.console.pages import redirect
from lupus_sms.core.clock import Clock
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.portal.auth import PortalContext, PortalCsrf, require_portal
from lupus_sms.portal.pages import render
from lupus_sms.users import changes, clinic_users, throttle
from lupus_sms.users.models import CLINIC_ROLES

router = APIRouter(prefix="/portal/users", include_in_schema=False)
UsersManager = Annotated[PortalContext, require_portal("users.manage")]


@router.get("")
def user_list(request: Request, portal: UsersManager, db: DbSession, clock: ClockDep) -> object:
    return _page(request, db, portal, clock)


@router.post("", dependencies=[PortalCsrf])
def user_invite(
    request: Request,
    portal: UsersManager,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "coordinator",
) -> object:
    try:
        user, path = changes.invite_clinic_user(
            db, clinic_id=portal.clinic.id, email=email, role=role, trail=portal.trail,
            now=clock.now(),
        )  # fmt: skip
    except LupusSmsError as exc:
        return _page(request, db, portal, clock, exc.status_code, error=exc, email=email, role=role)
    link = settings.link(path)
    return _page(request, db, portal, clock, link=link, link_for=user.email, invited=True)


@router.post("/{user_id}/role", dependencies=[PortalCsrf])
def user_role(
    request: Request,
    user_id: int,
    portal: UsersManager,
    db: DbSession,
    clock: ClockDep,
    role: Annotated[str, Form(max_length=16)] = "",
) -> object:
    return _changed(request, db, portal, clock, changes.set_clinic_user_role, user_id, role=role)


@router.post("/{user_id}/active", dependencies=[PortalCsrf])
def user_active(
    request: Request,
    user_id: int,
    portal: UsersManager,
    db: DbSession,
    clock: ClockDep,
    active: Annotated[bool, Form()] = False,
) -> object:
    change = changes.set_clinic_user_active
    return _changed(request, db, portal, clock, change, user_id, active=active)


@router.post("/{user_id}/unlock", dependencies=[PortalCsrf])
def user_unlock(
    request: Request, user_id: int, portal: UsersManager, db: DbSession, clock: ClockDep
) -> object:
    """Forget the failed sign-ins of a colleague who was slowed down (by their own typos,
    or by someone guessing): they can sign in again at once."""
    return _changed(request, db, portal, clock, changes.unlock_clinic_user, user_id)


@router.post("/{user_id}/link", dependencies=[PortalCsrf])
def user_link(
    request: Request,
    user_id: int,
    portal: UsersManager,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
) -> object:
    try:
        user, path = changes.issue_clinic_user_link(
            db, clinic_id=portal.clinic.id, user_id=user_id, trail=portal.trail, now=clock.now()
        )
    except LupusSmsError as exc:
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    link = settings.link(path)
    return _page(request, db, portal, clock, link=link, link_for=user.email)


def _changed(request: Request, db, portal: PortalContext, clock: Clock, change, user_id, **form):
    """Make the change (a use case of users/changes.py), then the list again."""
    try:
        change(db, clinic_id=portal.clinic.id, user_id=user_id, trail=portal.trail,
               now=clock.now(), **form)  # fmt: skip
    except LupusSmsError as exc:
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    return redirect("/portal/users")


def _page(
    request: Request, db, portal: PortalContext, clock: Clock, status_code: int = 200, **context
):
    people = clinic_users.get_all(db, clinic_id=portal.clinic.id)
    emails = [person.email for person in people]
    slowed = throttle.slowed_down(db, emails=emails, now=clock.now())
    return render(
        request,
        "users.html",
        status_code,
        portal=portal,
        people=people,
        roles=CLINIC_ROLES,
        slowed_down=slowed,
        **context,
    )
