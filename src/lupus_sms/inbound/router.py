"""Twilio's two webhooks, signed by Twilio (messaging/signatures.py):

- `POST /twilio/sms`: inbound texts, answered with TwiML. The database work happens in a
  batch (inbound/group_commit.py), in the order of inbound/order.py.
- `POST /twilio/status`: delivery status callbacks. Our own sends and the TwiML replies both
  name the message in the callback URL (`?message_id=`); otherwise the MessageSid finds it. A
  callback whose id and SID disagree (the row holds another SID, or another row holds this one)
  is ignored. Callbacks may repeat or come out of order: scheduling/delivery.py only ever moves
  a status forwards.

Not to be confused with the clinic alert webhooks we send: alerts/clinic_webhook.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.inbound.group_commit import inbound_writer
from lupus_sms.inbound.service import InboundSms
from lupus_sms.inbound.twiml import twiml_reply
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.signatures import read_signed_form
from lupus_sms.scheduling.delivery import StatusCallback, record_status_callback

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
    sms = inbound_from_form(form)
    result = await writer.answer(sms)  # or spooled, while the database is down
    return Response(twiml_reply(result, settings), media_type="application/xml")


def inbound_from_form(form: dict[str, str]) -> InboundSms:
    """The inbound text a Twilio form describes (422 for a missing or over-long field); the
    route and the fast path (inbound/fast_path.py) read a form the same way."""
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


@router.post("/status", status_code=204, summary="Message status callback (Twilio)")
async def status_callback(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    message_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    form = await read_signed_form(request, settings)
    callback = StatusCallback(
        message_sid=(form.get("MessageSid") or form.get("SmsSid") or "").strip()[:64] or None,
        message_status=(form.get("MessageStatus") or form.get("SmsStatus") or "")[:32],
        error_code=(form.get("ErrorCode") or "").strip()[:16] or None,
        message_id=message_id,
    )
    await run_in_threadpool(record_status_callback, db, callback=callback, now=clock.now())
    return Response(status_code=204)
