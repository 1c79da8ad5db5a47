"""`POST /twilio/sms`: inbound texts from Twilio, answered with TwiML.

Not to be confused with the clinic alert webhooks we send: alerts/clinic_webhook.py.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from lupus_sms.core.config import Settings
from lupus_sms.inbound.group_commit import inbound_writer
from lupus_sms.inbound.service import InboundResult, InboundSms
from lupus_sms.inbound.spool import DATABASE_UNAVAILABLE, accept_while_database_down
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.signatures import read_signed_form

router = APIRouter(prefix="/twilio", tags=["twilio"])
REQUIRED_FIELDS = ("MessageSid", "From")
# The patient's side of a message is stored in this column: a longer From is no phone number.
MAX_FROM = Message.__table__.c.phone.type.length


@router.post(
    "/sms",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "TwiML reply"}},
    summary="Inbound SMS webhook (Twilio)",
)
async def inbound_sms(request: Request) -> Response:
    # No injected dependencies: FastAPI runs plain ones in the thread pool, hops this path
    # cannot afford. The database work happens in a batch (inbound/group_commit.py).
    writer = inbound_writer(request.app)
    settings = writer.settings()
    form = await read_signed_form(request, settings)
    sms = _inbound_from_form(form)
    try:
        result = await writer.submit(sms)
    except DATABASE_UNAVAILABLE:
        # Twilio will not send this text again: keep it on disk and answer from memory.
        result = await run_in_threadpool(
            accept_while_database_down, sms, settings=settings, clock=writer.clock()
        )
    return Response(twiml_reply(result, settings), media_type="application/xml")


def _inbound_from_form(form: dict[str, str]) -> InboundSms:
    missing = [name for name in REQUIRED_FIELDS if not form.get(name, "").strip()]
    if missing:
        raise HTTPException(422, f"missing required Twilio field(s): {', '.join(missing)}")
    sid = form["MessageSid"].strip()
    if len(sid) > 64:
        raise HTTPException(422, "MessageSid is too long")
    from_number = form["From"].strip()
    if len(from_number) > MAX_FROM:
        raise HTTPException(422, f"From is too long (at most {MAX_FROM} characters)")
    return InboundSms(
        message_sid=sid,
        from_number=from_number,
        to_number=form.get("To", "")[:64] or None,
        body=form.get("Body", ""),
        opt_out_type=form.get("OptOutType", "")[:32] or None,
        messaging_service_sid=form.get("MessagingServiceSid", "")[:64] or None,
    )


def twiml_reply(result: InboundResult, settings: Settings) -> str:
    response = MessagingResponse()
    if result.reply_body and result.reply_message_id is None:
        response.message(result.reply_body)  # a degraded answer: there is no row to update
    elif result.reply_body:
        # The status callback tells us whether the reply was delivered, like any other message.
        action = settings.link(f"/twilio/status?message_id={result.reply_message_id}")
        response.message(result.reply_body, action=action, method="POST")
    return str(response)
