"""Portal sign-in, sign-out, and setting a password from an invitation or a reset link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from lupus_sms.audit.service import Actor, record
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError, ValidationFailed
from lupus_sms.portal.auth import (
    Portal,
    PortalCsrf,
    PortalCsrfToken,
    clear_cookies,
    set_session_cookie,
)
from lupus_sms.portal.pages import message_page, redirect, render
from lupus_sms.users import service as users

router = APIRouter(prefix="/portal", include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
PasswordField = Annotated[str, Form(max_length=256)]


@router.get("")
def home(portal: Portal) -> object:
    return redirect("/portal/patients")


@router.get("/login")
def login_form(request: Request, token: PortalCsrfToken) -> object:
    return render(request, "login.html")


@router.post("/login", dependencies=[PortalCsrf])
def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: PasswordField = "",
) -> object:
    now = clock.now()
    try:
        user = users.authenticate(db, email=email, password=password, now=now, clinic_users=True)
    except LupusSmsError as exc:
        actor = Actor(email.strip().lower()[:254] or "?")
        record(db, actor=actor, action="portal.login_failed", now=now)
        db.commit()
        return render(request, "login.html", 401, error=exc.message, email=email)
    record(
        db,
        actor=Actor(user.email, user.id),
        action="portal.login",
        now=now,
        target=f"clinic:{user.clinic_id}",
    )
    db.commit()
    response = redirect("/portal/patients")
    set_session_cookie(response, settings, user)
    return response


@router.post("/logout", dependencies=[PortalCsrf])
def logout(settings: SettingsDep) -> object:
    response = redirect("/portal/login")
    clear_cookies(response, settings)
    return response


@router.get("/invite/{token}")
def invite_form(
    request: Request, token: str, db: DbSession, clock: ClockDep, csrf: PortalCsrfToken
) -> object:
    return _password_form(request, db, clock, token=token, invitation=True)


@router.post("/invite/{token}", dependencies=[PortalCsrf])
def invite(
    request: Request,
    token: str,
    db: DbSession,
    clock: ClockDep,
    password: PasswordField = "",
    confirm: PasswordField = "",
) -> object:
    return _set_password(request, db, clock, token, password, confirm, invitation=True)


@router.get("/reset/{token}")
def reset_form(
    request: Request, token: str, db: DbSession, clock: ClockDep, csrf: PortalCsrfToken
) -> object:
    return _password_form(request, db, clock, token=token, invitation=False)


@router.post("/reset/{token}", dependencies=[PortalCsrf])
def reset(
    request: Request,
    token: str,
    db: DbSession,
    clock: ClockDep,
    password: PasswordField = "",
    confirm: PasswordField = "",
) -> object:
    return _set_password(request, db, clock, token, password, confirm, invitation=False)


def _password_form(request: Request, db, clock: Clock, *, token: str, invitation: bool):
    try:
        user = _clinic_user_for_token(db, token, clock)
    except LupusSmsError as exc:
        return message_page(request, "Link not valid", exc.message, 404)
    return render(
        request, "set_password.html", email=user.email, token=token, invitation=invitation,
        clinic=db.get(Clinic, user.clinic_id), role=user.role,
    )  # fmt: skip


def _set_password(request, db, clock: Clock, token, password, confirm, *, invitation: bool):
    now = clock.now()
    try:
        user = _clinic_user_for_token(db, token, clock)
        if password != confirm:
            raise ValidationFailed("the two passwords differ", field="confirm")
        users.change_password(db, user=user, password=password)
    except LupusSmsError as exc:
        status = 404 if exc.status_code == 404 else 422
        return render(
            request, "set_password.html", status, token=token, invitation=invitation, error=exc
        )
    action = "portal.invitation_accepted" if invitation else "portal.password_reset"
    record(db, actor=Actor(user.email, user.id), action=action, now=now, target=f"user:{user.id}")
    db.commit()
    message = "Your password is set. You can sign in now."
    return message_page(request, "Password set", message, link="/portal/login")


def _clinic_user_for_token(db, token: str, clock: Clock):
    """Portal links are for clinic users only: an admin's reset token is unknown here."""
    try:
        return users.user_for_reset_token(db, token=token, now=clock.now(), clinic_users=True)
    except NotFoundError:
        raise NotFoundError(
            "this link is not valid or has expired; ask your clinic admin for a new one"
        ) from None
