"""Alerts for clinics and the notifications that carry them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import PERSONAL, Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin
from lupus_sms.core.statuses import AlertStatus

ALERT_KINDS = ("red_flag", "no_response", "needs_review")
ALERT_STATUSES = tuple(AlertStatus)
# How urgent an alert is, most urgent first: a red flag is `critical` (breathing, chest,
# neurological, allergic, self-harm, emergency) or `urgent` (the other categories); a review
# item with symptom-like words is `high` and re-notified like a red flag; the rest `routine`.
SEVERITIES = ("critical", "urgent", "high", "routine")
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


class Alert(Base, TimestampMixin):
    """Something a person at the clinic must look at.

    A red flag stays `open` until a person acknowledges it; while open and unacknowledged it
    is notified again every `renotify_after_minutes` (`next_notify_at`), and so is a `high`
    review item. Other `no_response` and `needs_review` items are low priority and may expire
    (`expires_at`).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_clinic_status_created", "clinic_id", "status", "created_at"),
        Index("ix_alerts_status_next_notify", "status", "next_notify_at"),
        Index("ix_alerts_status_expires", "status", "expires_at"),
        Index("ix_alerts_patient_kind", "patient_id", "kind"),
        Index("ix_alerts_clinic_status_severity", "clinic_id", "status", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    # None when a number nobody enrolled texted a clinic's own number.
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # red_flag | no_response | needs_review
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(8))  # high | low
    severity: Mapped[str] = mapped_column(String(16), default="routine", server_default="routine")
    # The most dangerous red-flag category found (it decides how the alert looks), and all.
    category: Mapped[str | None] = mapped_column(String(32))
    categories: Mapped[str | None] = mapped_column(String(200))  # "fever,breathing"
    text: Mapped[str | None] = mapped_column(Text, info=PERSONAL)  # the patient's words
    checkin_key: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledge_note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notify_count: Mapped[int] = mapped_column(default=0)
    next_notify_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertNotification(Base, TimestampMixin):
    """One delivery to the clinic's alert webhook, retried until the receiver says 2xx.

    It is about an alert (`alert_id`: alert.opened, alert.reminder) or about a conversation
    (`thread_id`: conversation.message for a new patient text, with `message_id`, and
    conversation.waiting for one left unanswered). One table and one delivery loop for both:
    a clinic has one webhook, one secret and one signature to check, and a conversation event
    is retried and leased exactly like an alert's.

    Retries are rows with `next_attempt_at`, driven by the scheduler tick: no sleeps. A tick
    leases a row by moving `next_attempt_at` forward before it calls the receiver, so two
    workers never post the same delivery at once.
    """

    __tablename__ = "alert_notifications"
    __table_args__ = (Index("ix_alert_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    # The conversation (threads.id) a conversation.* event is about. A foreign key by name
    # only: threads/ sits above this package, which never reads that table itself.
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    # alert.opened | alert.reminder | conversation.message | conversation.waiting
    event: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|delivered|cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
