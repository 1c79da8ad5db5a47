"""Twilio request signatures, checked with the SDK's validator against PUBLIC_BASE_URL."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from lupus_sms.core.config import Settings

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 64 * 1024  # Twilio's inbound forms are a few kB; anything larger is not Twilio


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
