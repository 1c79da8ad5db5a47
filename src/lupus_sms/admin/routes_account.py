"""The signed-in admin's own account: change the password, sign out everywhere. A password
someone else chose (the demo's, `admin create --temporary-password`) must be replaced here
before any other page opens."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.admin.auth import COOKIES, AccountUser, Csrf, CsrfToken
from lupus_sms.admin.pages import render
from lupus_sms.console import signin as console_signin
from lupus_sms.console.signin import PasswordSlot
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep

router = APIRouter(prefix="/admin/account", include_in_schema=False)
PasswordField = Annotated[str, Form(max_length=256)]


@router.get("")
def account(request: Request, user: AccountUser, csrf: CsrfToken) -> object:
    return render(request, "account.html", changed=request.query_params.get("done") == "1")


@router.post("/password", dependencies=[PasswordSlot, Csrf])
async def password(
    request: Request,
    user: AccountUser,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    current_password: PasswordField = "",
    password: PasswordField = "",
    confirm: PasswordField = "",
) -> object:
    outcome = await console_signin.change_password(
        request,
        db,
        settings,
        clock,
        COOKIES,
        user=user,
        current=current_password,
        new=password,
        confirm=confirm,
    )
    page = partial(render, request, "account.html")
    return console_signin.answer(
        outcome, settings, COOKIES, page=page, done="/admin/account?done=1"
    )


@router.post("/sign-out-everywhere", dependencies=[Csrf])
def sign_out_everywhere(
    user: AccountUser, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> object:
    console_signin.sign_out_everywhere(
        db, user=user, now=clock.now(), audit_action="user.signed_out_everywhere"
    )
    return console_signin.signed_out(settings, COOKIES, login="/admin/login")
