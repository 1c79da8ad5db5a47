"""Clinics (tenants) and their API keys (stored hashed, identified by a short prefix)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin


class Clinic(Base, TimestampMixin):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    office_phone: Mapped[str] = mapped_column(String(32))
    urgent_phone: Mapped[str] = mapped_column(String(32))  # 24/7 line used by safety replies
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2), default="US")
    # Its own Twilio number or Messaging Service SID; None means the service's default sender.
    sender: Mapped[str | None] = mapped_column(String(64), unique=True)
    send_window_start: Mapped[str] = mapped_column(String(5), default="08:00")
    send_window_end: Mapped[str] = mapped_column(String(5), default="20:00")
    alert_webhook_url: Mapped[str | None] = mapped_column(Text)
    alert_webhook_secret: Mapped[str | None] = mapped_column(String(128))
    alert_sms_to_urgent_phone: Mapped[bool] = mapped_column(default=False)
    # Red-flag alerts are texted here when set (else to urgent_phone if the flag above is on).
    oncall_sms_number: Mapped[str | None] = mapped_column(String(32))
    is_demo: Mapped[bool] = mapped_column(default=False)
    # First names in clinic-initiated texts keep their accents (María) instead of being folded
    # to GSM-7 (Maria): an accent the GSM-7 alphabet lacks sends the whole text as UCS-2.
    keep_name_accents: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The name discreet texts and the invitation use ("Riverside Health"): required when
    # `name` holds a word of the discreet word list (clinics/display_name.py).
    display_name: Mapped[str | None] = mapped_column(String(40))
    # Care-team conversations (threads/): how long after a staff message the patient's texts
    # belong to the conversation, and after how long an unanswered one is notified again.
    conversation_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    conversation_renotify_minutes: Mapped[int] = mapped_column(default=60, server_default="60")


class ApiKey(Base, TimestampMixin):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    label: Mapped[str | None] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
