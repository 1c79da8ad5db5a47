"""Redirects never name the host a request claimed to be for.

Starlette's router answers a path with or without its trailing slash ("/portal/") with a
307 to the other spelling, as an absolute URL put together from the request's Host header:
a forged Host ("evil.example") got a redirect there, which a shared cache in front of the
service could then hand to others. The app's own links and redirects come from
PUBLIC_BASE_URL or are paths. This layer turns a redirect to the request's own Host into
the path and query alone, which browsers and Twilio resolve against the address they used.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RelativeRedirects:
    """Pure ASGI: a `Location` on the request's own Host header becomes a path."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"")
        prefixes = (b"http://" + host + b"/", b"https://" + host + b"/") if host else ()

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message = {**message, "headers": [
                    (name, _relative(value, prefixes) if name == b"location" else value)
                    for name, value in message.get("headers", [])
                ]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, send_relative)


def _relative(location: bytes, prefixes: tuple[bytes, ...]) -> bytes:
    for prefix in prefixes:
        if location.startswith(prefix):
            return location[len(prefix) - 1 :]  # from the path's "/"
    return location
