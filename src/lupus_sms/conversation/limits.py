"""Reply limits: what keeps the bot from talking to an auto-responder (or a flood) forever.

A carrier bounce, an "I'm driving" auto-reply or another bot texting us back would otherwise
get an answer to every text, and each answer provokes the next. Two rules stop that:

- at most `reply_limit_per_window` replies to one number per window
  (`reply_limit_window_seconds`);
- an identical text that would get the same answer again is answered at most
  `repeat_reply_limit` times per window (an auto-responder repeats itself word for word).
  Paging with MORE gets a different part each time, so it is not held back before the end
  of the topic; a patient retyping a keyword differently is not an identical text.

Replies marked `exempt_from_limits` (compliance words and red-flag safety replies) are never
held back; they still count towards the window.

The counts come from the `messages` table through its (phone, created_at) index, so they hold
across any number of web processes and cost one small indexed query per text, whatever
another number is doing.

What was held back is recorded on the inbound message: its status becomes `reply_limited` or
`repeat_ignored` instead of `received`. No outbound row is stored, because nothing was sent;
the pipeline itself still ran, so an answer to a check-in or an opt-out is never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from lupus_sms.conversation.pipeline import Reply
from lupus_sms.core.config import Settings
from lupus_sms.core.phones import mask_phone
from lupus_sms.messaging.models import Message

logger = logging.getLogger(__name__)

REPLY_LIMITED = "reply_limited"
REPEAT_IGNORED = "repeat_ignored"


def hold_back_reply(
    db: Session, *, inbound: Message, reply: Reply, settings: Settings, now: datetime
) -> bool:
    """True when `reply` must not be sent; the reason is then stored on the inbound message."""
    reason = held_back_reason(db, inbound=inbound, reply=reply, settings=settings, now=now)
    if reason is None:
        return False
    record_held_back(inbound, reason)
    return True


def record_held_back(inbound: Message, reason: str) -> None:
    """The inbound text's status says why its reply was not sent."""
    inbound.status = reason
    logger.info("reply to %s held back: %s", mask_phone(inbound.phone), reason)


def held_back_reason(
    db: Session, *, inbound: Message, reply: Reply, settings: Settings, now: datetime
) -> str | None:
    """`reply_limited`, `repeat_ignored` or None (send it)."""
    if reply.exempt_from_limits or not inbound.phone or not reply.body:
        return None
    since = now - timedelta(seconds=settings.reply_limit_window_seconds)
    replies, same_replies = _recent_replies(db, inbound=inbound, body=reply.body, since=since)
    return _reason(replies, same_replies, settings)


@dataclass
class RecentReply:
    created_at: datetime
    body: str | None
    asked_body: str | None


def recent_replies_by_phone(
    db: Session, *, phones: list[str], settings: Settings, now: datetime
) -> dict[str, list[RecentReply]]:
    """For the batched writer (inbound/batch.py): every reply to these numbers in the window
    before `now` (the batch's earliest text), in one query, so that `held_back_reason_of`
    decides each text's reply in memory."""
    since = now - timedelta(seconds=settings.reply_limit_window_seconds)
    found: dict[str, list[RecentReply]] = {phone: [] for phone in phones}
    rows = db.connection().execute(_REPLIES_OF_PHONES, {"phones": phones, "since": since})
    for phone, created_at, body, asked_body in rows:
        found[phone].append(RecentReply(created_at, body, asked_body))
    return found


def held_back_reason_of(
    recent: list[RecentReply], *, inbound: Message, reply: Reply, settings: Settings, now: datetime
) -> str | None:
    """`held_back_reason`, counted in `recent` (the number's replies, kept up to date by the
    caller) instead of by a query."""
    if reply.exempt_from_limits or not inbound.phone or not reply.body:
        return None
    since = now - timedelta(seconds=settings.reply_limit_window_seconds)
    in_window = [r for r in recent if r.created_at >= since]
    same = sum(1 for r in in_window if r.body == reply.body and r.asked_body == inbound.body)
    return _reason(len(in_window), same, settings)


def _reason(replies: int, same_replies: int, settings: Settings) -> str | None:
    if replies >= settings.reply_limit_per_window:
        return REPLY_LIMITED
    if same_replies >= settings.repeat_reply_limit:
        return REPEAT_IGNORED
    return None


def _recent_replies(
    db: Session, *, inbound: Message, body: str, since: datetime
) -> tuple[int, int]:
    """Replies to this number since `since`; how many answered this same text with `body`."""
    # Core on the session's connection: the ORM's statement handling cost more than the query.
    db.flush()  # what the ORM's autoflush would write first (e.g. a queued message)
    params = {"phone": inbound.phone, "since": since, "body": body, "asked_body": inbound.body}
    row = db.connection().execute(_RECENT_REPLIES, params).one()
    return int(row[0]), int(row[1])


def _recent_replies_statement():
    """Built once with bound parameters: building it per text cost more than running it."""
    asked = aliased(Message, name="asked")
    same = and_(Message.body == bindparam("body"), asked.body == bindparam("asked_body"))
    return (
        select(func.count(), func.coalesce(func.sum(case((same, 1), else_=0)), 0))
        .select_from(Message)
        .join(asked, Message.in_reply_to_id == asked.id)
        .where(
            Message.phone == bindparam("phone"),
            Message.created_at >= bindparam("since"),
            Message.direction == "outbound",
        )
    )


def _replies_of_phones_statement():
    asked = aliased(Message, name="asked")
    return (
        select(Message.phone, Message.created_at, Message.body, asked.body)
        .join(asked, Message.in_reply_to_id == asked.id)
        .where(
            Message.phone.in_(bindparam("phones", expanding=True)),
            Message.created_at >= bindparam("since"),
            Message.direction == "outbound",
        )
    )


_RECENT_REPLIES = _recent_replies_statement()
_REPLIES_OF_PHONES = _replies_of_phones_statement()
