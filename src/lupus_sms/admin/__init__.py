"""The admin console at /admin: server-rendered pages, a little plain JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from lupus_sms.core.signed_cookies import CookieSession

# No inline script or style anywhere: the policy forbids them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


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
    from lupus_sms.core.text_input import refusing_crafted_input
    from lupus_sms.core.work_slots import Busy

    modules = (routes_auth, routes_account, routes_content, routes_export, routes_oversight)
    # Control characters in any field are a 422 page, an id out of range a 404 (core/text_input.py).
    crafted_input = Depends(refusing_crafted_input(AdminPageError))
    for module in (*modules, routes_patients):
        app.include_router(module.router, dependencies=[crafted_input])
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


def add_console_middleware(app: FastAPI, cookies: CookieSession) -> None:
    """Security headers, and the CSRF cookie a request made, on one console's paths only."""

    async def dispatch(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        new_cookie = getattr(request.state, cookies.new_cookie_key, None)
        if new_cookie:
            value, options = new_cookie
            response.set_cookie(cookies.csrf_cookie, value, **options)
        return response

    app.add_middleware(AdminPathsOnly, dispatch=dispatch, prefix=cookies.path)


class AdminPathsOnly:
    """Runs an HTTP middleware for paths under `prefix` only (/admin, /portal). Webhooks and the
    API go straight through: Starlette's BaseHTTPMiddleware costs every request it wraps."""

    def __init__(self, app: ASGIApp, dispatch, prefix: str = "/admin") -> None:
        self.app = app
        self.prefix = prefix
        self.admin = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.admin(scope, receive, send)
        else:
            await self.app(scope, receive, send)
