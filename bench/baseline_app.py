"""The baseline: a bare FastAPI app answering the webhook path with constant TwiML.

Served by the same uvicorn command as the real app, it measures what the server, the event
loop and the load generator cost on this machine, so the real app's figures can be given as
a ratio of it.
"""

from fastapi import FastAPI, Response

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hello</Message></Response>'

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/twilio/sms")
async def inbound_sms() -> Response:
    return Response(TWIML, media_type="application/xml")
