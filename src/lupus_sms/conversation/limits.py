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
across any number of web processes and cost one small indexed query per text (per batch of
texts in the webhook's batched writer, counted by distinct answer), whatever another number
is doing.

What was held back is recorded on the inbound message: its status becomes `reply_limited` or
`repeat_ignored` instead of `received`. No outbound row is stored, because nothing was sent;
the pipeline itself still ran, so an answer to a check-in or an opt-out is never lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, null, select, type_coerce
from sqlalchemy.orm import Session, aliased

from lupus_sms.conversation.pipeline import Reply
from lupus_sms.core.config import Settings
from lupus_sms.core.db import UTCDateTime
from lupus_sms.core.phones import mask_phone
from lupus_sms.core.rows import DIALECTS, one_of
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


@dataclass
class RecentReplies:
    """A number's replies in the window, as the batched writer counts them: those certainly
    inside every text's window as counts, the few near its start one by one."""

    total: int = 0  # in every text's window
    same: Counter = field(default_factory=Counter)  # of those, by (reply body, asked body)
    edge: list[RecentReply] = field(default_factory=list)  # in some texts' windows only

    def add(self, reply: RecentReply) -> None:
        """A reply decided in the batch (its time is a text's `now`: kept one by one)."""
        self.edge.append(reply)


def recent_replies_read(
    phones: list[str], *, settings: Settings, earliest: datetime, latest: datetime, dialect: str
) -> tuple:
    """For the batched writer (inbound/batch.py): the statement and parameters that count
    every reply to these numbers in the window of any text of the batch (whose texts arrived
    between `earliest` and `latest`), for `read_together` (core/rows.py).
    `recent_replies_of` makes its rows into counts, from which `held_back_reason_of`
    decides each text's reply in memory.

    Grouped by number and by reply and asked text, so a busy number costs a row per distinct
    answer, not per reply. Replies between the windows' starts (the batch's own span, a few
    milliseconds) come back one by one, so each text counts exactly its own window."""
    window = timedelta(seconds=settings.reply_limit_window_seconds)
    params = {"phones": phones, "since": earliest - window, "every_since": latest - window}
    return _REPLIES_OF_PHONES[dialect], params


def recent_replies_of(phones: list[str], rows) -> dict[str, RecentReplies]:
    """Each number's `RecentReplies` from `recent_replies_read`'s rows."""
    found = {phone: RecentReplies() for phone in phones}
    for phone, body, asked_body, edge, count in rows:
        recent = found[phone]
        if edge is None:
            recent.total += count
            recent.same[(body, asked_body)] += count
        else:
            recent.edge.extend([RecentReply(edge, body, asked_body)] * count)
    return found


def held_back_reason_of(
    recent: RecentReplies, *, inbound: Message, reply: Reply, settings: Settings, now: datetime
) -> str | None:
    """`held_back_reason`, counted in `recent` (the number's replies, kept up to date by the
    caller) instead of by a query."""
    if reply.exempt_from_limits or not inbound.phone or not reply.body:
        return None
    since = now - timedelta(seconds=settings.reply_limit_window_seconds)
    edge = [r for r in recent.edge if r.created_at >= since]
    same = recent.same[(reply.body, inbound.body)] + sum(
        1 for r in edge if r.body == reply.body and r.asked_body == inbound.body
    )
    return _reason(recent.total + len(edge), same, settings)


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


def _replies_of_phones_statement(dialect: str):
    asked = aliased(Message, name="asked")
    # NULL for a reply inside every text's window: those group together.
    edge = case((Message.created_at >= bindparam("every_since"), null()), else_=Message.created_at)
    edge = type_coerce(edge, UTCDateTime).label("edge")
    return (
        select(Message.phone, Message.body, asked.body, edge, func.count())
        .join(asked, Message.in_reply_to_id == asked.id)
        .where(
            one_of(Message.phone, "phones", dialect),
            Message.created_at >= bindparam("since"),
            Message.direction == "outbound",
        )
        .group_by(Message.phone, Message.body, asked.body, edge)
    )


_RECENT_REPLIES = _recent_replies_statement()
_REPLIES_OF_PHONES = {dialect: _replies_of_phones_statement(dialect) for dialect in DIALECTS}
