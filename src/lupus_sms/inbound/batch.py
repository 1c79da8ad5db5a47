"""The batched inbound writer: a batch of texts in a handful of statements.

One text alone (`process_inbound`, inbound/service.py) costs five to seven statements: the
sender's state, the insert, the topic upsert, the reply-limit count, the reply. For a batch,
this module reads every sender's state and every recent reply once, inserts the texts in one
statement, runs the same inbound order on each text in turn, deciding reply limits in memory,
and writes the topics and the replies with one statement each. The caller commits.

Texts that need more (a new number, STOP and START, a red flag, a consent answer, an open
check-in, a conversation with the clinic, a reply for the outbox) run their handlers as they
would alone, through the same session, inside the batch. Two rules keep every answer and
every stored row as one-at-a-time handling would leave them (tests/inbound/test_batch.py):

- the writes held back for the end (topics, replies) are sent before any ORM query of the
  session runs (`do_orm_execute`), so a handler that reads never misses them;
- a text that took any path but the plain one (a topic, a menu page, a hint) may have changed
  its number's state, so that number's later texts in the batch load it afresh and count
  their reply limits by query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from lupus_sms.content.service import get_content
from lupus_sms.conversation.limits import (
    RecentReplies,
    RecentReply,
    held_back_reason_of,
    recent_replies_of,
    recent_replies_read,
    record_held_back,
)
from lupus_sms.conversation.sender import (
    Sender,
    clinics_of,
    clinics_read,
    numbers_held_read,
    senders_of,
    senders_read,
    write_topics,
)
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import ConflictError
from lupus_sms.core.rows import read_together
from lupus_sms.inbound.service import (
    InboundResult,
    InboundSms,
    decide_reply,
    inbound_values,
    load_sender_of,
    normalise_sender,
    only_enrolment,
    our_numbers,
    replay_stored,
    store_reply,
    wants_reply,
)
from lupus_sms.messaging import service as messaging
from lupus_sms.messaging.models import Message

# Replies of the plain path: it changes nothing about the number but where it is in a topic,
# which the batch keeps in step itself.
PLAIN_KINDS = frozenset({"education", "menu", "hint", "empty"})


@dataclass
class _Decided:
    """A text's answer until the batch's replies are written and have their ids."""

    message: Message | None = None
    body: str | None = None
    kind: str | None = None
    stored: InboundResult | None = None  # decided and stored as alone (or a replay)


def process_inbound_batch(
    db: Session, *, texts: list[InboundSms], settings: Settings, clock: Clock
) -> list[InboundResult]:
    """Store and answer every text of the batch, in order, without committing."""
    content = get_content()  # before the first query (see `process_inbound`)
    nows = [clock.now() for _ in texts]
    phones = [normalise_sender(sms.from_number, settings.default_country) for sms in texts]
    batch = _Batch(db, texts=texts, phones=phones, settings=settings, nows=nows)
    with _writes_before_queries(db, batch):
        decided = batch.insert(texts, phones, nows)
        for index, sms in enumerate(texts):
            if decided[index].message is not None:
                batch.answer(sms, phones[index], decided[index], content, nows[index])
        batch.write()
        return [batch.result(texts, phones, decided, index) for index in range(len(texts))]


class _Batch:
    """What the batch read at its start, what it changed, and the writes it holds back."""

    def __init__(
        self,
        db: Session,
        *,
        texts: list[InboundSms],
        phones: list[str | None],
        settings: Settings,
        nows: list[datetime],
    ):
        self.db = db
        self.settings = settings
        self._read(texts, phones, nows)
        self.changed: set[str | None] = set()  # numbers whose state a text may have changed
        self.topics: dict[int, dict] = {}
        self.replies: list[dict] = []
        self.reply_ids: dict[int, int] = {}  # inbound message id -> its reply's id

    def _read(self, texts, phones, nows) -> None:
        """Every sender's state, the clinics the texts name and the numbers' recent replies:
        three statements, in one round trip on PostgreSQL (core/rows.py), after the one that
        holds the numbers against other processes' texts (`numbers_held_read`)."""
        dialect = self.db.get_bind().dialect.name
        numbers = sorted({p for p in phones if p and p.startswith("+")})
        ours = {s for sms in texts for s in our_numbers(sms)}
        known = sorted({p for p in phones if p})
        reads = {}
        held = numbers_held_read(numbers, dialect)
        if held is not None:  # first: the numbers' state is read once no one else writes it
            reads["held"] = held
        if numbers:
            reads["senders"] = senders_read(numbers, dialect)
        if ours:
            reads["clinics"] = clinics_read(ours, dialect)
        if known:
            reads["recent"] = recent_replies_read(
                known, settings=self.settings, earliest=min(nows), latest=max(nows),
                dialect=dialect,
            )  # fmt: skip
        self.db.flush()  # what the ORM's autoflush would write before a query
        rows = dict(zip(reads, read_together(self.db, list(reads.values())), strict=True))
        self.senders = senders_of(self.db, rows.get("senders", []))
        self.clinics = clinics_of(rows.get("clinics", []))
        self.recent: dict[str, RecentReplies] = recent_replies_of(known, rows.get("recent", []))

    def insert(self, texts, phones, nows) -> list[_Decided]:
        """Every text in one INSERT; a MessageSid stored before, or twice in the batch, is
        not inserted again (its answer is the one stored: `result`)."""
        rows = [
            inbound_values(sms, phone=phone, sender=self._sender(sms, phone), now=now)
            for sms, phone, now in zip(texts, phones, nows, strict=True)
        ]
        ids = messaging.insert_inbound_rows(self.db, rows)
        decided = []
        for row in rows:
            new_id = ids.pop(row["twilio_sid"], None)  # popped: a second copy is not new
            message = messaging.as_stored(self.db, row, new_id) if new_id is not None else None
            decided.append(_Decided(message))
        return decided

    def answer(self, sms, phone, decided: _Decided, content, now) -> None:
        """Run the inbound order on one stored text and decide (or store) its reply."""
        message = decided.message
        fresh = phone in self.changed or phone not in self.senders
        sender = self._sender(sms, phone, fresh=fresh)
        if fresh:  # the text belongs to whom the number's state now says
            message.patient_id, message.clinic_id = only_enrolment(sender)
        sender.topic_writes = None if phone in self.changed else self.topics
        context, reply = decide_reply(
            self.db,
            sms=sms,
            sender=sender,
            message=message,
            content=content,
            settings=self.settings,
            now=now,
        )
        plain = reply.kind in PLAIN_KINDS and sender.phone_number is not None
        if not plain or sms.reply_by != "twiml":
            self.changed.add(phone)
        decided.kind = reply.kind
        if not wants_reply(sms, context, reply):
            return
        if phone in self.changed:  # as alone: limits counted by query, the outbox if asked
            self.write()
            row = store_reply(
                self.db, sms=sms, inbound=message, reply=reply, settings=self.settings, now=now
            )
            decided.stored = InboundResult(row and row.body, row and row.id, reply_kind=reply.kind)
            return
        recent = self.recent.setdefault(phone, RecentReplies())
        reason = held_back_reason_of(
            recent, inbound=message, reply=reply, settings=self.settings, now=now
        )
        if reason is not None:
            record_held_back(message, reason)
            return
        self.replies.append(
            messaging.reply_values(inbound=message, body=reply.body, kind=reply.kind, now=now)
        )
        recent.add(RecentReply(now, reply.body, message.body))
        decided.body = reply.body

    def write(self) -> None:
        """The held-back topics and replies, one statement each."""
        write_topics(self.db, self.topics)
        if self.replies:
            replies, self.replies = self.replies, []
            self.reply_ids.update(messaging.insert_replies(self.db, replies))

    def result(self, texts, phones, decided: list[_Decided], index: int) -> InboundResult:
        one = decided[index]
        if one.stored is not None:
            return one.stored
        if one.message is not None:
            reply_id = self.reply_ids.get(one.message.id) if one.body else None
            return InboundResult(one.body, reply_id, reply_kind=one.kind)
        # A MessageSid that was not inserted: its first copy in this batch, or a stored one.
        sid = texts[index].message_sid
        for earlier in range(index):
            if texts[earlier].message_sid == sid and decided[earlier].message is not None:
                if phones[earlier] != phones[index]:
                    raise ConflictError("this MessageSid was already used by another number")
                first = self.result(texts, phones, decided, earlier)
                return InboundResult(first.reply_body, first.reply_message_id, duplicate=True)
        return replay_stored(self.db, sms=texts[index], phone=phones[index])

    def _sender(self, sms: InboundSms, phone: str | None, *, fresh: bool = False) -> Sender:
        """The number's state, with the clinic this text's `To` names. Loaded now if `fresh`
        (a new number is created then, as alone); a short code or an alphanumeric ID has
        none."""
        if not (phone and phone.startswith("+")):
            return Sender(None, clinic_id=self._clinic(sms))
        if fresh:
            self.senders[phone] = load_sender_of(self.db, phone, our_numbers(sms))
        sender = self.senders.get(phone)
        if sender is None:  # new: created when its text is answered
            return Sender(None, clinic_id=self._clinic(sms))
        sender.clinic_id = self._clinic(sms)
        return sender

    def _clinic(self, sms: InboundSms) -> int | None:
        found = [self.clinics[s] for s in our_numbers(sms) if s in self.clinics]
        return min(found) if found else None


@contextmanager
def _writes_before_queries(db: Session, batch: _Batch) -> Iterator[None]:
    """Any ORM query of the session (a handler's, a lazy load) first sends the writes the
    batch holds back, so that it reads what one-at-a-time handling would have written."""
    db.info[_BATCH] = batch
    try:
        yield
    finally:
        del db.info[_BATCH]


_BATCH = "lupus_sms.inbound_batch"


# Listened to once for every session (a listener per batch's session cost more than the
# rest of a lone text's setup): only a session writing a batch has one in its `info`.
@event.listens_for(Session, "do_orm_execute")
def _write_held_back_first(state) -> None:
    batch = state.session.info.get(_BATCH)
    if batch is not None:
        batch.write()
