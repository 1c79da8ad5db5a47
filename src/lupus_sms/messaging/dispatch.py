"""Outbox -> transport: the tick step that sends queued messages.

1. Claim a small batch of due `queued` rows (scheduling/claims.py) and COMMIT the claim as a
   lease (status `sending`, a token, `claimed_until`). No row lock is held after that.
2. For each row, right before sending, re-check what may have changed since it was queued:
   the number's opt-out, the patient's status, staleness, the patient's send window, the
   sender's rate limit. Skips and expiries are recorded with a reason; a row outside the
   window goes back to `queued` for the next window.
3. Call the transport outside any transaction, then record the outcome guarded by the claim
   token: `sent` with Twilio's SID; a temporary error -> back to `queued` with exponential
   backoff and jitter, up to `send_max_attempts`; a permanent error -> `failed` and the
   patient's status changes (21610 -> opted out, 21211/21614 -> undeliverable).
A worker killed between 3's call and its commit leaves a `sending` row whose lease runs out;
messaging/recovery.py settles it.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.phones import mask_phone
from lupus_sms.messaging import statuses
from lupus_sms.messaging.delivery import advance_status
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.permanent import apply_permanent_failure
from lupus_sms.messaging.precheck import Decision, check_before_send
from lupus_sms.messaging.rate_limit import reserve_send_slot
from lupus_sms.messaging.transport import (
    OutgoingSms,
    PermanentTransportError,
    SmsTransport,
    TemporaryTransportError,
    UncertainTransportError,
    get_transport,
)
from lupus_sms.scheduling.claims import claim_rows, new_token

logger = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 20


def dispatch_outbox(
    session_factory: sessionmaker[Session],
    now: datetime,
    *,
    settings: Settings | None = None,
    transport: SmsTransport | None = None,
) -> int:
    """Tick step: send what is due, batch after batch, until the backlog is done, the sender
    is saturated or a tick's time is used. Returns how many were handed to the transport."""
    settings = settings or get_settings()
    transport = transport or get_transport(settings)
    started = time.monotonic()
    handed_over = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        claimed, sent = _dispatch_batch(session_factory, now, settings, transport)
        handed_over += sent
        if claimed < settings.tick_batch_size or not sent:
            break
        if time.monotonic() - started > settings.tick_seconds:
            break
    return handed_over


def _dispatch_batch(session_factory, now, settings, transport) -> tuple[int, int]:
    token = new_token()
    with session_factory() as db:
        ids = claim_due_messages(db, now=now, token=token, settings=settings)
        db.commit()
    sent = 0
    for message_id in ids:
        sent += send_claimed(
            session_factory,
            message_id=message_id,
            token=token,
            now=now,
            settings=settings,
            transport=transport,
        )
    return len(ids), sent


def claim_due_messages(db: Session, *, now: datetime, token: str, settings: Settings) -> list[int]:
    due = (
        select(Message.id)
        .where(Message.status == statuses.QUEUED, Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id)
        .limit(settings.tick_batch_size)
    )
    lease = now + timedelta(seconds=settings.send_lease_seconds)
    values = {"status": statuses.SENDING, "claim_token": token, "claimed_until": lease}
    return claim_rows(
        db,
        model=Message,
        due=due,
        status_column=Message.status,
        expected_status=statuses.QUEUED,
        values=values,
    )


def send_claimed(
    session_factory: sessionmaker[Session],
    *,
    message_id: int,
    token: str,
    now: datetime,
    settings: Settings,
    transport: SmsTransport,
) -> int:
    with session_factory() as db:
        message = db.get(Message, message_id)
        if message is None or message.claim_token != token:
            return 0
        decision = check_before_send(db, message=message, now=now, settings=settings)
        if decision.action == "send" and not reserve_send_slot(
            db, message=message, now=now, settings=settings
        ):
            decision = Decision("defer", not_before=now + timedelta(seconds=settings.tick_seconds))
        if decision.action != "send":
            _apply_decision(db, message=message, decision=decision)
            db.commit()
            return 0
        sms = OutgoingSms(
            to=message.phone or "",
            body=message.body or "",
            sender=message.sender,
            status_callback=f"{settings.public_base_url}/twilio/status?message_id={message.id}",
            validity_seconds=decision.validity_seconds,
        )
        db.commit()  # the rate-limit reservation; the transaction ends before the call
    return _send_and_record(session_factory, message_id, token, sms, now, settings, transport)


def _send_and_record(session_factory, message_id, token, sms, now, settings, transport) -> int:
    try:
        result = transport.send(sms)
    except TemporaryTransportError as exc:
        with session_factory() as db:
            _record_retry(db, message_id, token, exc, now=now, settings=settings)
            db.commit()
        return 0
    except PermanentTransportError as exc:
        with session_factory() as db:
            _record_permanent(db, message_id, token, exc, now=now)
            db.commit()
        return 0
    except Exception as exc:
        # We cannot tell whether it went out: keep the lease so recovery asks the provider.
        if isinstance(exc, UncertainTransportError):
            logger.warning("message %s: %s, outcome unknown", message_id, exc)
        else:
            logger.exception("message %s: unexpected error from the transport", message_id)
        with session_factory() as db:
            _record_unexpected(db, message_id, token, settings=settings)
            db.commit()
        return 0
    with session_factory() as db:
        record_sent(db, message_id=message_id, sid=result.sid, now=now)
        db.commit()
    logger.info("message %s handed to %s (%s)", message_id, transport.name, mask_phone(sms.to))
    return 1


def record_sent(db: Session, *, message_id: int, sid: str, now: datetime) -> None:
    """The transport accepted it. A status callback may already have moved it further."""
    db.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(
            attempts=Message.attempts + 1,
            sent_at=now,
            claim_token=None,
            claimed_until=None,
        )
    )
    db.execute(
        update(Message)
        .where(Message.id == message_id, Message.twilio_sid.is_(None))
        .values(twilio_sid=sid)
    )
    advance_status(db, message_id=message_id, status=statuses.SENT)


def _record_retry(db, message_id, token, exc: TemporaryTransportError, *, now, settings) -> None:
    message = _still_sending(db, message_id, token)
    if message is None:
        return
    message.attempts += 1
    if message.attempts >= settings.send_max_attempts:
        _finish(db, message, statuses.FAILED, error_code=exc.code or "retries_exhausted")
        logger.warning("message %s failed after %s attempts", message_id, message.attempts)
        return
    delay = backoff_seconds(message.attempts, settings)
    if exc.retry_after:
        delay = max(delay, exc.retry_after)
    _release(message, next_attempt_at=now + timedelta(seconds=delay))
    message.error_code = exc.code
    logger.info("message %s: temporary error %s, retry in %.0fs", message_id, exc.code, delay)


def _record_unexpected(db: Session, message_id: int, token: str, *, settings: Settings) -> None:
    message = _still_sending(db, message_id, token)
    if message is None:
        return
    message.attempts += 1
    if message.attempts >= settings.send_max_attempts:
        _finish(db, message, statuses.UNKNOWN, error_code=None, reason="transport_error")


def _record_permanent(db, message_id, token, exc: PermanentTransportError, *, now) -> None:
    message = _still_sending(db, message_id, token)
    if message is None:
        return
    message.attempts += 1
    _finish(db, message, statuses.FAILED, error_code=exc.code)
    logger.warning("message %s refused permanently (error %s)", message_id, exc.code)
    apply_permanent_failure(db, message=message, error_code=exc.code, now=now)


def _still_sending(db: Session, message_id: int, token: str) -> Message | None:
    """The row this worker claimed, unless it was taken over, or a status callback already
    reported it: then Twilio has the message whatever error the call returned, so it must
    neither be sent again nor moved backwards. Only its claim is released."""
    message = db.get(Message, message_id)
    if message is None or message.claim_token != token:
        return None
    if message.status != statuses.SENDING:
        message.claim_token, message.claimed_until = None, None
        return None
    return message


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential backoff with full jitter on the upper half, capped."""
    ceiling = min(settings.send_retry_max_seconds, settings.send_retry_base_seconds * 2**attempts)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def _apply_decision(db: Session, *, message: Message, decision: Decision) -> None:
    if decision.action == "defer":
        _release(message, next_attempt_at=decision.not_before)
        return
    status = statuses.EXPIRED if decision.action == "expire" else statuses.SKIPPED
    _finish(db, message, status, error_code=None, reason=decision.reason)
    logger.info("message %s %s: %s", message.id, status, decision.reason)


def _release(message: Message, *, next_attempt_at: datetime | None) -> None:
    message.status = statuses.QUEUED
    message.next_attempt_at = next_attempt_at
    message.claim_token = None
    message.claimed_until = None


def _finish(
    db: Session, message: Message, status: str, *, error_code: str | None, reason: str | None = None
) -> None:
    message.claim_token = None
    message.claimed_until = None
    if error_code:
        message.error_code = error_code[:16]
    db.flush()
    advance_status(db, message_id=message.id, status=status, reason=reason)
    db.refresh(message)
