"""Care-team conversations: a thread per enrolment, and a clinic's own quick replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin


class Thread(Base, TimestampMixin):
    """A clinic's conversation with one of its patients, by SMS, answered by people.

    It starts with the first staff message. Until `routes_until` (the clinic's
    `conversation_hours` after the latest staff message) the patient's texts belong to it,
    not to the keyword bot (threads/inbound.py). `open` while it needs the clinic (a new
    patient text re-opens it), `done` once someone closed it. `staff_version` counts staff
    messages: a compose box carries the version it saw, so two people answering at once do
    not both send (threads/service.py).
    """

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_clinic_status", "clinic_id", "status"),
        Index("ix_threads_status_next_notify", "status", "next_notify_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    unread: Mapped[int] = mapped_column(default=0)  # patient texts nobody at the clinic read
    # The oldest patient text no staff message has answered yet; None when answered.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_patient_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_staff_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    routes_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_version: Mapped[int] = mapped_column(default=0)
    # An unanswered conversation is notified again (clinic `conversation_renotify_minutes`).
    next_notify_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notify_count: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))


class QuickReply(Base, TimestampMixin):
    """A clinic's own quick reply. One with the key of a service-wide default
    (content/care_team.yaml) replaces it for that clinic."""

    __tablename__ = "quick_replies"
    __table_args__ = (UniqueConstraint("clinic_id", "key", name="uq_quick_replies_clinic_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80))
    body_en: Mapped[str] = mapped_column(Text)
    body_es: Mapped[str | None] = mapped_column(Text)
