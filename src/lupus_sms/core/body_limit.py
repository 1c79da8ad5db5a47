"""Request body limits for every route: 413 before an oversized body is read into memory.

The declared Content-Length is checked first; bodies without one (chunked) are counted as
they arrive and cut off at the limit, so nobody can make a process buffer gigabytes. Twilio's
webhooks are a few kB, so /twilio/ gets a much smaller limit; the CSV imports a larger one.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lupus_sms.core.errors import error_body

WEBHOOK_PREFIX = "/twilio/"
WEBHOOK_MAX_BYTES = 64 * 1024
# The CSV import takes up to 100,000 rows (enrollment/csv_import.py), about 6 to 15 MB,
# through the API and through the clinic portal's upload form alike.
IMPORT_PATHS = frozenset({"/api/v1/patients/import", "/portal/patients/import"})
IMPORT_MAX_BYTES = 32 * 1024 * 1024


class BodySizeLimit:
    """Pure ASGI middleware (no buffering of its own)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = WEBHOOK_MAX_BYTES if scope["path"].startswith(WEBHOOK_PREFIX) else self.max_bytes
        if scope["path"] in IMPORT_PATHS:
            limit = max(limit, IMPORT_MAX_BYTES)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = JSONResponse(
                error_body("payload_too_large", "request body too large"), status_code=413
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _counting(receive, limit), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _counting(receive: Receive, limit: int) -> Receive:
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                # An HTTPException passes through FastAPI's body parsing unchanged.
                raise HTTPException(413, "request body too large")
        return message

    return receive_within_limit
