"""Sign in, sign out and one-time password reset links."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.admin.auth import COOKIES, AccountUser, Csrf, CsrfToken
from lupus_sms.admin.pages import render
from lupus_sms.console import signin as console_signin
from lupus_sms.console.pages import redirect
from lupus_sms.console.signin import PasswordSlot
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep, SignInSession
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.users import changes as account_changes
from lupus_sms.users import service as users

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("")
def home() -> object:
    return redirect("/admin/dashboard")


@router.get("/login")
def login_form(request: Request, token: CsrfToken) -> object:
    return render(request, "login.html")


@router.post("/login", dependencies=[PasswordSlot, Csrf])
async def login(
    request: Request,
    db: SignInSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> object:
    outcome = await console_signin.sign_in(
        request,
        db,
        settings,
        clock,
        COOKIES,
        email=email,
        password=password,
        audit_action="user.login",
    )
    page = partial(render, request, "login.html", email=email)
    return console_signin.answer(outcome, settings, COOKIES, page=page, done="/admin/dashboard")


@router.post("/logout", dependencies=[Csrf])
def logout(
    request: Request, user: AccountUser, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> object:
    console_signin.sign_out(db, token=COOKIES.session_token(request), now=clock.now(),
                            audit_action="user.logout")  # fmt: skip
    return console_signin.signed_out(settings, COOKIES, login="/admin/login")


@router.get("/reset/{token}")
def reset_form(
    request: Request, token: str, db: DbSession, clock: ClockDep, csrf: CsrfToken
) -> object:
    try:
        user = users.user_for_reset_token(db, token=token, now=clock.now())
    except LupusSmsError as exc:
        return render(request, "message.html", 404, title="Reset link", message=exc.message)
    return render(request, "reset.html", email=user.email, token=token)


@router.post("/reset/{token}", dependencies=[Csrf])
def reset(
    request: Request,
    token: str,
    db: DbSession,
    clock: ClockDep,
    password: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> object:
    try:
        account_changes.reset_password(
            db, token=token, password=password, confirm=confirm, now=clock.now()
        )
    except LupusSmsError as exc:
        return render(request, "reset.html", 422, token=token, error=exc.message)
    return render(
        request,
        "message.html",
        title="Password set",
        message="Your password is set. You can sign in now.",
        link="/admin/login",
    )
