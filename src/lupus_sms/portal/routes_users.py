"""The clinic's users (clinic_admin): invite, change role, deactivate, issue reset links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.audit.service import record
from lupus_sms.console.pages import redirect
from lupus_sms.core.clock import Clock
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.portal.auth import PortalContext, PortalCsrf, require_portal
from lupus_sms.portal.pages import render
from lupus_sms.users import clinic_users, throttle
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
        user, path = clinic_users.invite(
            db, clinic_id=portal.clinic.id, email=email, role=role, now=clock.now()
        )
    except LupusSmsError as exc:
        db.rollback()
        return _page(request, db, portal, clock, exc.status_code, error=exc, email=email, role=role)
    _audit(db, portal, clock, "portal.user_invited", user, detail=role)
    db.commit()
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
    try:
        user = clinic_users.get(db, clinic_id=portal.clinic.id, user_id=user_id)
        clinic_users.set_role(db, user=user, role=role)
    except LupusSmsError as exc:
        db.rollback()
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    _audit(db, portal, clock, "portal.user_role_changed", user, detail=role)
    db.commit()
    return redirect("/portal/users")


@router.post("/{user_id}/active", dependencies=[PortalCsrf])
def user_active(
    request: Request,
    user_id: int,
    portal: UsersManager,
    db: DbSession,
    clock: ClockDep,
    active: Annotated[bool, Form()] = False,
) -> object:
    try:
        user = clinic_users.get(db, clinic_id=portal.clinic.id, user_id=user_id)
        clinic_users.set_active(db, user=user, active=active)
    except LupusSmsError as exc:
        db.rollback()
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    action = "portal.user_reactivated" if active else "portal.user_deactivated"
    _audit(db, portal, clock, action, user)
    db.commit()
    return redirect("/portal/users")


@router.post("/{user_id}/unlock", dependencies=[PortalCsrf])
def user_unlock(
    request: Request, user_id: int, portal: UsersManager, db: DbSession, clock: ClockDep
) -> object:
    """Forget the failed sign-ins of a colleague who was slowed down (by their own typos,
    or by someone guessing): they can sign in again at once."""
    try:
        user = clinic_users.get(db, clinic_id=portal.clinic.id, user_id=user_id)
    except LupusSmsError as exc:
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    throttle.unlock_account(db, email=user.email)
    _audit(db, portal, clock, "portal.user_unlocked", user)
    db.commit()
    return redirect("/portal/users")


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
        user = clinic_users.get(db, clinic_id=portal.clinic.id, user_id=user_id)
        path = clinic_users.issue_link(db, user=user, now=clock.now())
    except LupusSmsError as exc:
        db.rollback()
        return _page(request, db, portal, clock, exc.status_code, error=exc)
    _audit(db, portal, clock, "portal.user_link_issued", user)
    db.commit()
    link = settings.link(path)
    return _page(request, db, portal, clock, link=link, link_for=user.email)


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


def _audit(db, portal: PortalContext, clock: Clock, action: str, user, detail=None) -> None:
    record(
        db,
        actor=portal.actor,
        action=action,
        now=clock.now(),
        target=f"user:{user.id}",
        detail=f"clinic {portal.clinic.id}: {user.email}" + (f" ({detail})" if detail else ""),
    )
