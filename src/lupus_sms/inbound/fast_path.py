"""`POST /twilio/sms` answered without the rest of the app in the way.

The inbound webhook is the one route under sustained load. Through the full app each text
paid for route matching over every console and API route, for middleware that has nothing
to do on it (the request's database scope: the texts are written in batches with sessions
of their own), for the SDK re-parsing the webhook address and building an XML tree. This
wrapper, the outermost of the app's own layers, takes exactly that request and does the
same work directly; every other request goes to the app untouched.

What the full path does that shows, it does too, in the same order:

- the body limits of core/body_limit.py (413, also for a chunked body);
- the form and signature checks of messaging/signatures.py (400, 403, the warning logged);
- the fields of inbound/router.py (422), the group commit (inbound/group_commit.py) and the
  spool when the database is down (inbound/spool.py);
- the webhook's latency and outcome counters (metrics.py);
- errors answered by the app's own exception handlers, anything else left to its 500.

The FastAPI route in inbound/router.py stays: it documents the webhook in OpenAPI and
answers it when this wrapper is not installed. tests/inbound/test_fast_path.py checks that
both give the same answers, byte for byte.
"""

from __future__ import annotations

import re
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from lupus_sms.core.body_limit import WEBHOOK_MAX_BYTES
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import error_body
from lupus_sms.inbound.group_commit import inbound_writer
from lupus_sms.inbound.router import inbound_from_form
from lupus_sms.inbound.twiml import twiml_reply
from lupus_sms.messaging.signatures import MAX_WEBHOOK_BYTES, WebhookSignature, verified_form
from lupus_sms.metrics import count_inbound, observe_webhook

PATH = "/twilio/sms"
_TOO_LARGE = JSONResponse(error_body("payload_too_large", "request body too large")).body
# A Host header and a query string that Starlette's URL parsing gives back as they are.
_PLAIN_HOST = re.compile(rb"[A-Za-z0-9.-]+(:[1-9][0-9]{0,3})?")
_PLAIN_QUERY = re.compile(rb"[\x20-\x22\x24-\x7e]*")  # printable ASCII but "#"


class InboundFastPath:
    """Pure ASGI: `POST /twilio/sms` handled here, anything else passed to `app`."""

    def __init__(self, app: ASGIApp, *, owner: FastAPI):
        self.app, self.owner = app, owner
        self._signature: WebhookSignature | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the metrics say of a request that raised before answering
        try:
            status = await self._answer(scope, receive, send)
        finally:
            observe_webhook(time.perf_counter() - started)
            count_inbound("answered" if status == 200 else f"rejected_{status}")

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> int:
        headers = dict(reversed(scope["headers"]))  # the first of a repeated header, as Starlette
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > WEBHOOK_MAX_BYTES:
            return await _send(send, 413, _TOO_LARGE)
        try:
            raw = await _read_body(receive)
            if raw is None:
                return await _send(send, 413, _TOO_LARGE)
            return await self._handle(scope, headers, raw, send)
        except Exception as exc:
            handler = self._handler_of(exc)
            if handler is None:
                raise
            response = await handler(Request(scope, receive, send), exc)
            await response(scope, receive, send)
            return response.status_code

    async def _handle(self, scope: Scope, headers: dict, raw: bytes, send: Send) -> int:
        writer = inbound_writer(self.owner)
        settings = writer.settings()
        # The same checks, in the same order, as messaging/signatures.read_signed_form.
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
            return await _send(send, 413, _TOO_LARGE)
        form = verified_form(
            raw,
            settings=settings,
            address=lambda: self._address(scope, headers, settings),
            signature=headers.get(b"x-twilio-signature", b"").decode("latin-1"),
        )
        sms = inbound_from_form(form)
        result = await writer.answer(sms)  # or spooled, while the database is down
        body = twiml_reply(result, settings).encode("utf-8", "xmlcharrefreplace")
        return await _send(send, 200, body, b"application/xml")

    def _address(
        self, scope: Scope, headers: dict, settings: Settings
    ) -> tuple[WebhookSignature, str]:
        """The signature check of the address Twilio signed, and the request's query string.

        read_signed_form takes the path and query from Starlette's `request.url`, which puts
        the URL together from the Host header and parses it again. For a plain host and query
        that gives them back unchanged; anything else is left to Starlette, as before."""
        token = settings.twilio_auth_token or ""
        query = scope.get("query_string", b"")
        if _PLAIN_HOST.fullmatch(headers.get(b"host", b"")) and _PLAIN_QUERY.fullmatch(query):
            url = settings.link(PATH)
            check = self._signature  # worked out again only when the address or token changes
            if check is None or check.url != url or check.token != token:
                check = self._signature = WebhookSignature(token, url)
            return check, query.decode("ascii")
        request_url = Request(scope).url
        return WebhookSignature(token, settings.link(request_url.path)), request_url.query

    def _handler_of(self, exc: Exception):
        """The app's handler for `exc`, found as Starlette's ExceptionMiddleware finds it."""
        handlers = self.owner.exception_handlers
        for cls in type(exc).__mro__:
            if cls is not Exception and cls in handlers:
                return handlers[cls]
        return None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes the webhook limit (a chunked body too)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > WEBHOOK_MAX_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, status: int, body: bytes, media_type: bytes = b"application/json"):
    headers = [(b"content-length", b"%d" % len(body)), (b"content-type", media_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status
