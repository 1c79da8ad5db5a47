"""`POST /twilio/status`: Twilio's delivery status callbacks, signed like the inbound webhook.

Our own sends and the TwiML replies both name the message in the callback URL
(`?message_id=`); otherwise the MessageSid finds it. A callback whose id and SID disagree
(the row holds another SID, or another row holds this one) is ignored. Callbacks may repeat
or come out of order: scheduling/delivery.py only ever moves a status forwards.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.messaging.signatures import read_signed_form
from lupus_sms.scheduling.delivery import StatusCallback, record_status_callback

router = APIRouter(prefix="/twilio", tags=["twilio"])


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
