"""Phone numbers (opt-out state lives per number) and every SMS in and out (the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import PERSONAL, Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin


class PhoneNumber(Base, TimestampMixin):
    """One row per E.164 number. STOP blocks the number for every clinic, as carriers do.

    After an erasure `e164` is cleared and `phone_hash` keeps the suppression entry.
    """

    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str | None] = mapped_column(String(32), unique=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "en" or "es"; "" while nobody chose (conversation/language.py says how it is set).
    language: Mapped[str] = mapped_column(String(8), default="")
    # Since when Twilio blocks texts to this number (it opted out with Twilio, or a send got
    # error 21610); None once Twilio took an opt-in word or delivered a text again. It can
    # differ from `opted_out`: COMENZAR opts in with us, but not with a Twilio that does
    # not know the word. See conversation/carrier.py.
    carrier_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "discreet" (the default) or "detailed": whether clinic-initiated texts may name the
    # illness and its treatment on a lock screen. Belongs to the number, like its language
    # (privacy/levels in content/discreet.py; README, "Discreet messages").
    privacy_level: Mapped[str] = mapped_column(
        String(12), default="discreet", server_default="discreet"
    )


def _set(column: str) -> dict:
    """An index's condition: only rows where `column` is set (both databases)."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Message(Base, TimestampMixin):
    """An SMS. Inbound rows are unique on Twilio's MessageSid; outbound rows are the outbox.

    `in_reply_to_id` links a TwiML reply to the inbound message that caused it, so a repeated
    webhook is answered with the stored reply instead of running the pipeline again.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_outbox_due", "status", "next_attempt_at"),
        Index("ix_messages_phone_created", "phone", "created_at"),
        # Partial (`_set`): the rows without the column, most of the webhook's, are never
        # asked for by it, and writing their entries cost every text (migration 0011).
        Index("ix_messages_patient_created", "patient_id", "created_at", **_set("patient_id")),
        # The no_response scan of every tick reads the check-ins sent in the last few days:
        # a range on sent_at, so its cost follows recent traffic, not the table's history.
        Index("ix_messages_sent_checkin", "sent_at", "checkin_key", **_set("checkin_key")),
        Index("ix_messages_in_reply_to_id", "in_reply_to_id", **_set("in_reply_to_id")),
        # The admin dashboard counts the last 28 days of all messages.
        Index("ix_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    phone: Mapped[str | None] = mapped_column(String(32), info=PERSONAL)  # the patient's, E.164
    sender: Mapped[str | None] = mapped_column(String(64))  # our side: number or service SID
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="SET NULL"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24), default="reply")
    # Set on a check-in question (content/checkins.yaml key): replies are read as its answer.
    checkin_key: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    # Why it was skipped or expired (opted_out, patient_paused, stale, ...); see statuses.py.
    status_reason: Mapped[str | None] = mapped_column(String(64))
    # On an inbound text, Twilio's OptOutType (STOP, START or HELP): Advanced Opt-Out took the
    # word itself. `lupus-sms twilio check` reads it to tell which words Twilio knows.
    opt_out_type: Mapped[str | None] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None]
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    planned_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("planned_messages.id", ondelete="SET NULL"), unique=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A text a person at the clinic wrote (threads/service.py): who, as the audit log names them.
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str | None] = mapped_column(String(120))


class SenderBudget(Base):
    """The shared rate limit of one sender (a number or Messaging Service SID): the earliest
    time, in epoch seconds, at which its next segment may go. Every worker reserves here."""

    __tablename__ = "sender_budgets"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_free_epoch: Mapped[float] = mapped_column(Float, default=0.0)
