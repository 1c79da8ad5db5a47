"""Outbox -> transport: the tick step that sends queued messages, a batch at a time.

1. One transaction per batch before any send: claim a batch of due `queued` rows in one
   statement (core/claims.py) as a lease (status `sending`, a token, `claimed_until`);
   re-check, with one query for the whole batch, what may have changed since they were
   queued (the number's opt-out, the patient's status and pause, staleness, the patient's
   send window; scheduling/precheck.py); reserve the sender's rate-limit slots for the
   sendable ones (messaging/rate_limit.py); record skips, expiries and deferrals (a row
   outside the window or beyond the sender's budget goes back to `queued`). COMMIT: no row
   lock is held after that.
2. Call the transport per message, outside any transaction, each at its reserved slot.
3. One transaction records the batch's outcomes (a slow, rate-limited batch: those of each
   second; with a transport that keeps no record of what it sent, such as the console, each
   send's own, before the next send): the accepted sends with executemany UPDATEs
   (`sent` with Twilio's SID); a temporary error -> back to `queued` with exponential
   backoff and jitter, up to `send_max_attempts`; a permanent error -> `failed` and the
   number or patient changes (21610 -> blocked by the carrier, 21211/21614 -> undeliverable).
   Error outcomes are guarded by the claim token.
A worker killed between 2's call and 3's commit leaves `sending` rows whose lease runs out;
scheduling/recovery.py settles them: Twilio is asked which went out, so none is sent twice. A
transport that cannot be asked (console) has them sent again, so its results are committed
one send at a time: a kill repeats at most the one text that was in flight.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.core.claims import claim_rows, new_token
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.messaging import rate_limit, statuses
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import (
    OutgoingSms,
    PermanentTransportError,
    SmsTransport,
    TemporaryTransportError,
    UncertainTransportError,
)
from lupus_sms.scheduling.delivery import advance_status, record_sent_many
from lupus_sms.scheduling.permanent import apply_permanent_failure
from lupus_sms.scheduling.precheck import Candidate, Decision, decide, load_candidates

logger = logging.getLogger(__name__)
MAX_BATCHES_PER_TICK = 20
RECORD_EVERY_SECONDS = 1.0


@dataclass
class _Tick:
    """The tick's instant on the injected clock (what is due, leases, deferrals), and the
    pacer's real time at its start (rate-limit slots, waits, the tick's time budget)."""

    now: datetime
    pacer: rate_limit.Pacer
    started: float

    def elapsed(self) -> float:
        return self.pacer.time() - self.started

    def clock_time_of(self, real: float) -> datetime:
        """A real (pacer) time on the tick's clock, for `next_attempt_at`."""
        return self.now + timedelta(seconds=max(0.0, real - self.started))


@dataclass(frozen=True)
class _Send:
    candidate: Candidate
    sms: OutgoingSms
    slot: float  # the pacer's (real) time
    cost: float


def dispatch_outbox(
    session_factory: sessionmaker[Session],
    now: datetime,
    *,
    transport: SmsTransport,
    settings: Settings | None = None,
    pacer: rate_limit.Pacer | None = None,
) -> int:
    """Tick step: send what is due, batch after batch, until the backlog is done, the sender
    is saturated or a tick's time is used. Returns how many were handed to the transport."""
    settings = settings or get_settings()
    pacer = pacer or rate_limit.pacer
    tick = _Tick(now, pacer, pacer.time())
    handed_over = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        claimed, sent = _dispatch_batch(session_factory, tick, settings, transport)
        handed_over += sent
        if claimed < settings.tick_batch_size or not sent:
            break
        if tick.elapsed() > settings.tick_seconds:
            break
    return handed_over


def _dispatch_batch(session_factory, tick: _Tick, settings, transport) -> tuple[int, int]:
    token = new_token()
    with session_factory() as db:
        ids = claim_due_messages(db, now=tick.now, token=token, settings=settings)
        sends = _prepare(db, ids=ids, token=token, tick=tick, settings=settings) if ids else []
        db.commit()  # the lease and the reservations; the transaction ends before any call
    sent, pending = 0, []
    last_recorded = tick.pacer.time()
    # A lost send of a transport that keeps no record can only be repeated: keep it to one.
    each_send = not getattr(transport, "finds_lost_sends", True)
    for index, send in enumerate(sends):
        pending.append(_call(send, tick, transport))
        # A paced batch can take seconds: record at least every RECORD_EVERY_SECONDS, so a
        # crash leaves recovery only the last few sends to look up, not the whole batch.
        last = index == len(sends) - 1
        if last or each_send or tick.pacer.time() - last_recorded >= RECORD_EVERY_SECONDS:
            with session_factory() as db:
                _record(db, pending, token=token, now=tick.now, settings=settings)
                db.commit()
            sent += sum(1 for _, kind, _ in pending if kind == "sent")
            pending, last_recorded = [], tick.pacer.time()
    if sent:
        logger.info("%s messages handed to %s", sent, transport.name)
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


def _prepare(db: Session, *, ids, token: str, tick: _Tick, settings: Settings) -> list[_Send]:
    """Decide every claimed message, reserve slots for the sendable ones, record the rest."""
    now = tick.now
    sendable: dict[str, list[tuple[Candidate, Decision]]] = {}
    deferred: list[tuple[int, datetime | None]] = []
    for candidate in load_candidates(db, ids=ids, token=token):
        decision = decide(candidate, now=now, settings=settings)
        if decision.action == "send":
            sendable.setdefault(rate_limit.sender_key(candidate.sender), []).append(
                (candidate, decision)
            )
        elif decision.action == "defer":
            deferred.append((candidate.id, decision.not_before))
        else:
            _finish_unsent(db, candidate, decision, token)
    # Sends of this tick must start within the tick and end well inside the lease.
    horizon = tick.started + min(settings.tick_seconds, settings.send_lease_seconds / 2)
    sends: list[_Send] = []
    for sender, items in sendable.items():
        costs = [max(1, c.segments or 1) / settings.sms_segments_per_second for c, _ in items]
        slots = rate_limit.reserve_slots(
            db, sender=sender, costs=costs, earliest=tick.pacer.time(), horizon=horizon
        )
        for (candidate, decision), slot, cost in zip(items, slots, costs, strict=False):
            sends.append(_Send(candidate, _sms(candidate, decision, settings), slot, cost))
        if len(slots) < len(items):
            free_at = tick.clock_time_of(rate_limit.next_free_epoch(db, sender))
            deferred.extend((candidate.id, free_at) for candidate, _ in items[len(slots) :])
    _release_many(db, deferred, token)
    return sorted(sends, key=lambda send: send.slot)  # senders' slots interleave


def _sms(candidate: Candidate, decision: Decision, settings: Settings) -> OutgoingSms:
    return OutgoingSms(
        to=candidate.phone or "",
        body=candidate.body or "",
        sender=candidate.sender,
        status_callback=settings.link(f"/twilio/status?message_id={candidate.id}"),
        validity_seconds=decision.validity_seconds,
    )


def _call(send: _Send, tick: _Tick, transport: SmsTransport) -> tuple[_Send, str, object]:
    """Wait for the send's slot, then hand it over. Returns (send, outcome kind, detail)."""
    sender = rate_limit.sender_key(send.sms.sender)
    tick.pacer.wait_for_slot(sender, at=send.slot, cost=send.cost)
    message_id = send.candidate.id
    try:
        return send, "sent", transport.send(send.sms).sid
    except TemporaryTransportError as exc:
        return send, "retry", exc
    except PermanentTransportError as exc:
        return send, "permanent", exc
    except Exception as exc:
        # We cannot tell whether it went out: keep the lease so recovery asks the provider.
        if isinstance(exc, UncertainTransportError):
            logger.warning("message %s: %s, outcome unknown", message_id, exc)
        else:
            logger.exception("message %s: unexpected error from the transport", message_id)
        return send, "unexpected", exc


def _record(db: Session, outcomes, *, token: str, now: datetime, settings: Settings) -> None:
    accepted = [
        (send.candidate.id, detail, send.candidate.planned_message_id)
        for send, kind, detail in outcomes
        if kind == "sent"
    ]
    record_sent_many(db, accepted, now=now)
    for send, kind, detail in outcomes:
        message_id = send.candidate.id
        if kind == "retry":
            _record_retry(db, message_id, token, detail, now=now, settings=settings)
        elif kind == "permanent":
            _record_permanent(db, message_id, token, detail, now=now)
        elif kind == "unexpected":
            _record_unexpected(db, message_id, token, settings=settings)


def record_sent(db: Session, *, message_id: int, sid: str, now: datetime) -> None:
    """The transport accepted it. A status callback may already have moved it further."""
    planned_id = db.scalar(select(Message.planned_message_id).where(Message.id == message_id))
    record_sent_many(db, [(message_id, sid, planned_id)], now=now)


def _release_many(db: Session, deferred: list[tuple[int, datetime | None]], token: str) -> None:
    """Back to `queued` for a later attempt, in one executemany guarded by the claim token."""
    if not deferred:
        return
    messages = Message.__table__
    db.execute(
        messages.update()
        .where(messages.c.id == bindparam("mid"), messages.c.claim_token == bindparam("token"))
        .values(
            status=statuses.QUEUED,
            next_attempt_at=bindparam("not_before"),
            claim_token=None,
            claimed_until=None,
        ),
        [{"mid": mid, "token": token, "not_before": at} for mid, at in deferred],
    )


UNSENT_STATUS = {"expire": statuses.EXPIRED, "cancel": statuses.CANCELLED}


def _finish_unsent(db: Session, candidate: Candidate, decision: Decision, token: str) -> None:
    status = UNSENT_STATUS.get(decision.action, statuses.SKIPPED)
    released = db.execute(
        update(Message)
        .where(Message.id == candidate.id, Message.claim_token == token)
        .values(claim_token=None, claimed_until=None),
        execution_options={"synchronize_session": False},
    )
    if released.rowcount:
        advance_status(db, message_id=candidate.id, status=status, reason=decision.reason)
        logger.info("message %s %s: %s", candidate.id, status, decision.reason)


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
