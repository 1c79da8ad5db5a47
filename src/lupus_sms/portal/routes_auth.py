"""Portal sign-in, sign-out, and setting a password from an invitation or a reset link."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.clinics.models import Clinic
from lupus_sms.console import signin as console_signin
from lupus_sms.console.pages import redirect
from lupus_sms.console.signin import PasswordSlot
from lupus_sms.core.clock import Clock
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep, SignInSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError, ValidationFailed
from lupus_sms.portal.auth import COOKIES, AccountPortal, Portal, PortalCsrf, PortalCsrfToken
from lupus_sms.portal.pages import message_page, render
from lupus_sms.users import changes as account_changes
from lupus_sms.users import service as users

router = APIRouter(prefix="/portal", include_in_schema=False)
PasswordField = Annotated[str, Form(max_length=256)]


@router.get("")
def home(portal: Portal) -> object:
    return redirect("/portal/patients")


@router.get("/login")
def login_form(request: Request, token: PortalCsrfToken) -> object:
    return render(request, "login.html")


@router.post("/login", dependencies=[PasswordSlot, PortalCsrf])
async def login(
    request: Request,
    db: SignInSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: PasswordField = "",
) -> object:
    outcome = await console_signin.sign_in(
        request,
        db,
        settings,
        clock,
        COOKIES,
        email=email,
        password=password,
        audit_action="portal.login",
    )
    page = partial(render, request, "login.html", email=email)
    return console_signin.answer(outcome, settings, COOKIES, page=page, done="/portal/patients")


@router.post("/logout", dependencies=[PortalCsrf])
def logout(request: Request, db: DbSession, settings: SettingsDep, clock: ClockDep) -> object:
    console_signin.sign_out(db, token=COOKIES.session_token(request), now=clock.now(),
                            audit_action="portal.logout")  # fmt: skip
    return console_signin.signed_out(settings, COOKIES, login="/portal/login")


@router.get("/account")
def account(request: Request, portal: AccountPortal) -> object:
    done = request.query_params.get("done") == "1"
    return render(request, "account.html", portal=portal, changed=done)


@router.post("/account/password", dependencies=[PasswordSlot, PortalCsrf])
async def account_password(
    request: Request,
    portal: AccountPortal,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    current_password: PasswordField = "",
    password: PasswordField = "",
    confirm: PasswordField = "",
) -> object:
    """A clinic user's own password (a service admin changes theirs in the admin console)."""
    if portal.is_service_admin:
        return message_page(
            request,
            "Not here",
            "Change your password in the admin console.",
            403,
            link="/portal/account",
        )
    outcome = await console_signin.change_password(
        request,
        db,
        settings,
        clock,
        COOKIES,
        user=portal.user,
        current=current_password,
        new=password,
        confirm=confirm,
    )
    page = partial(render, request, "account.html", portal=portal)
    return console_signin.answer(
        outcome, settings, COOKIES, page=page, done="/portal/account?done=1"
    )


@router.post("/account/sign-out-everywhere", dependencies=[PortalCsrf])
def sign_out_everywhere(
    portal: AccountPortal, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> object:
    console_signin.sign_out_everywhere(
        db, user=portal.user, now=clock.now(), audit_action="portal.signed_out_everywhere"
    )
    return console_signin.signed_out(settings, COOKIES, login="/portal/login")


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
    try:
        user = _clinic_user_for_token(db, token, clock)
        if password != confirm:
            raise ValidationFailed("the two passwords differ", field="confirm")
        action = "portal.invitation_accepted" if invitation else "portal.password_reset"
        account_changes.set_password(db, user=user, password=password, action=action,
                                     now=clock.now())  # fmt: skip
    except LupusSmsError as exc:
        status = 404 if exc.status_code == 404 else 422
        return render(
            request, "set_password.html", status, token=token, invitation=invitation, error=exc
        )
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
