"""Sign in, sign out and one-time password reset links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from lupus_sms.admin.auth import (
    COOKIES,
    SESSION_COOKIE,
    Csrf,
    CurrentUser,
    cookie_options,
    csrf_token,
    session_cookie_value,
)
from lupus_sms.admin.pages import redirect, render
from lupus_sms.audit.service import Actor, record
from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.users import service as users

router = APIRouter(prefix="/admin", include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CsrfToken = Annotated[str, Depends(csrf_token)]


@router.get("")
def home() -> object:
    return redirect("/admin/dashboard")


@router.get("/login")
def login_form(request: Request, token: CsrfToken) -> object:
    return render(request, "login.html")


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> object:
    try:
        user = users.authenticate(db, email=email, password=password, now=clock.now())
    except LupusSmsError as exc:
        record(
            db,
            actor=Actor(email.strip().lower()[:254] or "?"),
            action="user.login_failed",
            now=clock.now(),
        )
        db.commit()
        return render(request, "login.html", 401, error=exc.message, email=email)
    record(db, actor=Actor(user.email, user.id), action="user.login", now=clock.now())
    db.commit()
    response = redirect("/admin/dashboard")
    response.set_cookie(
        SESSION_COOKIE, session_cookie_value(settings, user), **cookie_options(settings)
    )
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(user: CurrentUser, settings: SettingsDep) -> object:
    response = redirect("/admin/login")
    COOKIES.clear(response, settings)
    return response


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
        if password != confirm:
            raise users.ValidationFailed("the two passwords differ")
        user = users.reset_password(db, token=token, password=password, now=clock.now())
    except LupusSmsError as exc:
        return render(request, "reset.html", 422, token=token, error=exc.message)
    record(
        db,
        actor=Actor(user.email, user.id),
        action="user.password_reset",
        now=clock.now(),
        target=f"user:{user.id}",
    )
    db.commit()
    return render(
        request,
        "message.html",
        title="Password set",
        message="Your password is set. You can sign in now.",
        link="/admin/login",
    )
