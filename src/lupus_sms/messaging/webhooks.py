"""Twilio webhooks: inbound SMS answered with TwiML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from lupus_sms.conversation.service import InboundResult, InboundSms, handle_inbound
from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession
from lupus_sms.messaging.signatures import read_signed_form

router = APIRouter(prefix="/twilio", tags=["twilio"])
REQUIRED_FIELDS = ("MessageSid", "From")


@router.post(
    "/sms",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "TwiML reply"}},
    summary="Inbound SMS webhook (Twilio)",
)
async def inbound_sms(
    request: Request,
    db: DbSession,
    settings: Annotated[Settings, Depends(get_settings)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> Response:
    form = await read_signed_form(request, settings)
    sms = _inbound_from_form(form)
    result = await run_in_threadpool(handle_inbound, db, sms=sms, settings=settings, clock=clock)
    return Response(twiml_reply(result, settings), media_type="application/xml")


def _inbound_from_form(form: dict[str, str]) -> InboundSms:
    missing = [name for name in REQUIRED_FIELDS if not form.get(name, "").strip()]
    if missing:
        raise HTTPException(422, f"missing required Twilio field(s): {', '.join(missing)}")
    sid = form["MessageSid"].strip()
    if len(sid) > 64:
        raise HTTPException(422, "MessageSid is too long")
    return InboundSms(
        message_sid=sid,
        from_number=form["From"][:64],
        to_number=form.get("To", "")[:64] or None,
        body=form.get("Body", ""),
        opt_out_type=form.get("OptOutType") or None,
        messaging_service_sid=form.get("MessagingServiceSid", "")[:64] or None,
    )


def twiml_reply(result: InboundResult, settings: Settings) -> str:
    response = MessagingResponse()
    if result.reply_body:
        # The status callback tells us whether the reply was delivered, like any other message.
        action = f"{settings.public_base_url}/twilio/status?message_id={result.reply_message_id}"
        response.message(result.reply_body, action=action, method="POST")
    return str(response)
