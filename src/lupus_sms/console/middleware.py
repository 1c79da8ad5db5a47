"""What every console page carries: the security headers, and the CSRF cookie a request
made. Both consoles add it for their own paths only (`add_console_middleware`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
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

    app.add_middleware(ConsolePathsOnly, dispatch=dispatch, prefix=cookies.path)


class ConsolePathsOnly:
    """Runs an HTTP middleware for paths under `prefix` only (/admin, /portal). Webhooks and the
    API go straight through: Starlette's BaseHTTPMiddleware costs every request it wraps."""

    def __init__(self, app: ASGIApp, dispatch, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.console = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.console(scope, receive, send)
        else:
            await self.app(scope, receive, send)
