"""The floor: what any correct webhook handler must do before it touches a database.

Bare FastAPI again, but it reads the body, parses the urlencoded form once, verifies the
Twilio signature with the SDK's validator and answers TwiML built with the SDK: no
middleware, no storage, no conversation. The real app cannot be faster than this, so its
ratio to the baseline is the ceiling any handler reaches on this machine and stack.
"""

import os
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

VALIDATOR = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    signature = request.headers.get("x-twilio-signature", "")
    if not VALIDATOR.validate(PUBLIC_BASE_URL + request.url.path, form, signature):
        return Response("invalid signature", status_code=403)
    reply = MessagingResponse()
    reply.message(f"You said: {form.get('Body', '')}")
    return Response(str(reply), media_type="application/xml")
