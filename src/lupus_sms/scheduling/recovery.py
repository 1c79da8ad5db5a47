"""Settling sends whose outcome is unknown.

Twilio's create-message call has no idempotency key. A worker killed after the call but
before its commit leaves a row in `sending` whose lease (`claimed_until`) runs out. This tick
step takes such rows over (with a new claim, so only one worker does it) and asks the
transport what happened: Twilio's newest messages to `to`, created since a little before
the claim (queued ones included: they have no DateSent yet), hold one with the same body ->
it is recorded as sent with that SID; none found -> the row goes back to `queued` and is
sent again. If the lookup keeps failing, the row ends `unknown` after `send_max_attempts`
tries, rather than risk a duplicate. Transports that keep no record (console) simply send
again; their results are committed one send at a time (scheduling/dispatch.py), so that is at
most the one text that was in flight when the worker died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.core.claims import claim_rows, new_token
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import SmsTransport, TemporaryTransportError
from lupus_sms.scheduling.delivery import advance_status
from lupus_sms.scheduling.dispatch import backoff_seconds, record_sent

logger = logging.getLogger(__name__)
LOOKUP_MARGIN = timedelta(minutes=5)  # clock skew between us and Twilio


def recover_expired_leases(
    session_factory: sessionmaker[Session],
    now: datetime,
    *,
    transport: SmsTransport,
    settings: Settings | None = None,
) -> int:
    """Tick step: settle `sending` rows whose lease ran out. Returns how many were settled."""
    settings = settings or get_settings()
    token = new_token()
    with session_factory() as db:
        due = (
            select(Message.id)
            .where(Message.status == statuses.SENDING, Message.claimed_until < now)
            .order_by(Message.claimed_until)
            .limit(settings.tick_batch_size)
        )
        lease = now + timedelta(seconds=settings.send_lease_seconds)
        ids = claim_rows(
            db,
            model=Message,
            due=due,
            status_column=Message.status,
            expected_status=statuses.SENDING,
            values={"claim_token": token, "claimed_until": lease},
        )
        db.commit()
    return sum(
        _settle(session_factory, message_id, token, now, settings, transport) for message_id in ids
    )


def _settle(session_factory, message_id: int, token: str, now, settings, transport) -> int:
    with session_factory() as db:
        message = db.get(Message, message_id)
        if message is None or message.claim_token != token:
            return 0
        to, body = message.phone or "", message.body or ""
        since = (message.next_attempt_at or message.created_at) - LOOKUP_MARGIN
        taken = set(db.scalars(select(Message.twilio_sid).where(Message.phone == to)))
    try:
        found = transport.find_sent(to=to, since=since)
    except TemporaryTransportError:
        with session_factory() as db:
            _lookup_failed(db, message_id, token, now, settings)
            db.commit()
        return 0
    with session_factory() as db:
        match = next((f for f in found or [] if f.body == body and f.sid not in taken), None)
        message = db.get(Message, message_id)
        if match is not None:
            record_sent(db, message_id=message_id, sid=match.sid, now=now)
            twilio_status = statuses.from_twilio(match.status)
            if twilio_status:
                advance_status(db, message_id=message_id, status=twilio_status)
            logger.info("message %s: lost send found at the provider", message_id)
        else:
            message.status, message.next_attempt_at = statuses.QUEUED, now
            message.claim_token, message.claimed_until = None, None
            logger.info("message %s: lost send not found, queued again", message_id)
        db.commit()
    return 1


def _lookup_failed(db: Session, message_id: int, token: str, now, settings: Settings) -> None:
    message = db.get(Message, message_id)
    if message is None or message.claim_token != token:
        return
    message.attempts += 1
    if message.attempts >= settings.send_max_attempts:
        message.claim_token, message.claimed_until = None, None
        db.flush()
        advance_status(db, message_id=message_id, status=statuses.UNKNOWN, reason="lookup_failed")
        logger.warning("message %s: outcome unknown after %s lookups", message_id, message.attempts)
        return
    message.claimed_until = now + timedelta(seconds=backoff_seconds(message.attempts, settings))
