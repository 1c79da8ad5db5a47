"""Twilio request signatures, checked with the SDK's validator against PUBLIC_BASE_URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlparse

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator, add_port, remove_port

from lupus_sms.core.config import Settings

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 64 * 1024  # Twilio's inbound forms are a few kB; anything larger is not Twilio
# What urllib's parsing drops or splits off a URL (so the SDK signs another string).
_REWRITTEN_BY_URLPARSE = re.compile(r"[#\t\r\n]")


async def read_signed_form(request: Request, settings: Settings) -> dict[str, str]:
    """Parse the urlencoded body once and verify the signature; 403 when it does not match.

    The values come back without NUL characters (checked as signed, with them): NUL cannot be
    stored in PostgreSQL text and means nothing in any Twilio field."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise HTTPException(413, "request body too large")
    raw = await request.body()
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise HTTPException(413, "request body too large")
    try:
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise HTTPException(400, "request body is not UTF-8 form data") from None
    if settings.signatures_required:
        url = settings.link(request.url.path)
        if request.url.query:
            url += "?" + request.url.query
        signature = request.headers.get("x-twilio-signature", "")
        token = settings.twilio_auth_token
        # Without a token nothing can be verified (an empty key is one anyone can sign with).
        if not (token and signature and RequestValidator(token).validate(url, form, signature)):
            logger.warning("rejected a webhook with a bad or missing Twilio signature")
            raise HTTPException(403, "invalid Twilio signature")
    return {name: value.replace("\x00", "") for name, value in form.items()}


class WebhookSignature:
    """The SDK's signature check (`RequestValidator.validate`, HMAC-SHA1) for one webhook
    address, with the address parsed once: the two forms the SDK accepts (with and without
    the port) are worked out here and their HMAC states kept, so a request only adds its
    query string and form. A query the SDK would rewrite while parsing it (a fragment, tabs
    or line breaks) goes to the SDK itself, so both accept exactly the same requests."""

    def __init__(self, token: str, url: str):
        self.token, self.url = token, url
        parsed = urlparse(url)
        # An address with its own query or fragment would mix with the request's.
        self._sdk_only = "?" in url or "#" in url
        self._macs = tuple(
            hmac.new(token.encode("utf-8"), variant.encode("utf-8"), hashlib.sha1)
            for variant in (remove_port(parsed), add_port(parsed))
        )

    def valid(self, query: str, form: dict[str, str], signature: str) -> bool:
        if self._sdk_only or _REWRITTEN_BY_URLPARSE.search(query):
            url = self.url + ("?" + query if query else "")
            return RequestValidator(self.token).validate(url, form, signature)
        rest = ("?" + query if query else "") + "".join(name + form[name] for name in sorted(form))
        data = rest.encode("utf-8")
        given = signature.encode("utf-8", "surrogatepass")
        for prefix in self._macs:
            mac = prefix.copy()
            mac.update(data)
            if hmac.compare_digest(base64.b64encode(mac.digest()), given):
                return True
        return False


def verified_form(
    raw: bytes,
    *,
    settings: Settings,
    address: Callable[[], tuple[WebhookSignature, str]],
    signature: str,
) -> dict[str, str]:
    """`read_signed_form` for a body already read within MAX_WEBHOOK_BYTES: the same answers
    and the same log line. `address()` gives the check of the webhook's address and the
    request's query string, asked for where `read_signed_form` works out the URL."""
    try:
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise HTTPException(400, "request body is not UTF-8 form data") from None
    if settings.signatures_required:
        check, query = address()
        token = settings.twilio_auth_token
        if not (token and signature and check.valid(query, form, signature)):
            logger.warning("rejected a webhook with a bad or missing Twilio signature")
            raise HTTPException(403, "invalid Twilio signature")
    return {name: value.replace("\x00", "") for name, value in form.items()}
