"""The clinic portal at /portal: the clinic API's powers for coordinators, nurses and clinic
admins, on the same services, as server-rendered pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from lupus_sms.console.middleware import add_console_middleware


def mount(app: FastAPI) -> None:
    """Add the portal routes, static files and the same security headers as the admin."""
    from lupus_sms.console.signin import answer_busy
    from lupus_sms.core.errors import add_error_page
    from lupus_sms.core.text_input import refusing_control_characters
    from lupus_sms.core.work_slots import Busy
    from lupus_sms.portal import (
        routes_alerts,
        routes_auth,
        routes_keys,
        routes_patients,
        routes_settings,
        routes_users,
    )
    from lupus_sms.portal.auth import (
        ACCOUNT_PAGE,
        COOKIES,
        PortalLoginRequired,
        PortalPageError,
        PortalPasswordChangeRequired,
    )
    from lupus_sms.portal.pages import message_page

    modules = (routes_auth, routes_users, routes_settings, routes_keys)
    # Control characters in any field are a 422 page (core/text_input.py).
    no_control_characters = Depends(refusing_control_characters(PortalPageError))
    for module in (*modules, routes_patients, routes_alerts):
        app.include_router(module.router, dependencies=[no_control_characters])
    static = StaticFiles(directory=str(Path(__file__).parent / "static"))
    app.mount("/portal/static", static, name="portal-static")

    @app.exception_handler(PortalLoginRequired)
    async def _login(request: Request, exc: PortalLoginRequired) -> RedirectResponse:
        return RedirectResponse("/portal/login", status_code=303)

    @app.exception_handler(PortalPasswordChangeRequired)
    async def _change(request: Request, exc: PortalPasswordChangeRequired) -> RedirectResponse:
        return RedirectResponse(ACCOUNT_PAGE, status_code=303)

    @app.exception_handler(PortalPageError)
    async def _page_error(request: Request, exc: PortalPageError):
        title = "Not allowed" if exc.status_code == 403 else "Not done"
        return message_page(request, title, exc.message, exc.status_code, link="/portal")

    def _error_page(request: Request, status: int, title: str, message: str):
        return message_page(request, title, message, status, link="/portal")

    add_error_page(app, prefix="/portal", page=_error_page)
    app.add_exception_handler(Busy, answer_busy)
    add_console_middleware(app, COOKIES)
