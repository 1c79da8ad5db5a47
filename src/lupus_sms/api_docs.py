"""/docs (Swagger UI) and /redoc served from files shipped with `fastapi-offline`.

Hospital networks often block public CDNs, and FastAPI's default pages load their scripts
from one: the pages stayed blank. The assets now come from this service. ReDoc also shows a
logo from its maker's CDN; a Content-Security-Policy on the two pages keeps the browser from
fetching anything (images, fonts, data) from anywhere but this service.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PATHS = ("/docs", "/redoc")
DOCS_ASSETS = "/docs-assets"
# Scripts and styles stay as the two UIs need them (inline set-up, generated styles); what
# could leave the machine is limited to this service.
DOCS_POLICY = (
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


def documented_app(**kwargs) -> FastAPI:
    """A FastAPI app whose API docs work with no outside network."""
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        # Swagger UI's validator badge would send the spec's address to swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
        **kwargs,
    )
    app.add_middleware(DocsPolicy)
    return app


class DocsPolicy:
    """Adds DOCS_POLICY to the docs pages only (a plain ASGI wrapper: nothing else pays)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in DOCS_PATHS:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", DOCS_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_policy)
