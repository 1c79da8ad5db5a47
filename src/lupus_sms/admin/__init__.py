"""The admin console at /admin: server-rendered pages, a little plain JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from lupus_sms.console.middleware import add_console_middleware


def mount(app: FastAPI) -> None:
    """Add the admin routes, static files, security headers and the live content source."""
    from lupus_sms.admin import (
        routes_account,
        routes_auth,
        routes_content,
        routes_export,
        routes_oversight,
        routes_patients,
    )
    from lupus_sms.admin.auth import (
        ACCOUNT_PAGE,
        COOKIES,
        AdminPageError,
        LoginRequired,
        PasswordChangeRequired,
    )
    from lupus_sms.admin.pages import render
    from lupus_sms.console.signin import answer_busy
    from lupus_sms.content.service import read_only_session, use_database_content
    from lupus_sms.core.errors import add_error_page
    from lupus_sms.core.text_input import refusing_control_characters
    from lupus_sms.core.work_slots import Busy

    modules = (routes_auth, routes_account, routes_content, routes_export, routes_oversight)
    # Control characters in any field are a 422 page (core/text_input.py).
    no_control_characters = Depends(refusing_control_characters(AdminPageError))
    for module in (*modules, routes_patients):
        app.include_router(module.router, dependencies=[no_control_characters])
    static = StaticFiles(directory=str(Path(__file__).parent / "static"))
    app.mount("/admin/static", static, name="admin-static")
    use_database_content(read_only_session)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/admin/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _change(request: Request, exc: PasswordChangeRequired) -> RedirectResponse:
        return RedirectResponse(ACCOUNT_PAGE, status_code=303)

    @app.exception_handler(AdminPageError)
    async def _page_error(request: Request, exc: AdminPageError):
        return render(
            request,
            "message.html",
            exc.status_code,
            title="Not allowed",
            message=exc.message,
            link="/admin",
        )

    def _error_page(request: Request, status: int, title: str, message: str):
        return render(request, "message.html", status, title=title, message=message, link="/admin")

    add_error_page(app, prefix="/admin", page=_error_page)
    app.add_exception_handler(Busy, answer_busy)
    add_console_middleware(app, COOKIES)
