"""The audit log: one row per change or sensitive view, never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # email or "cli"; kept if the user goes
    action: Mapped[str] = mapped_column(String(48))  # e.g. content.save, user.deactivate
    target: Mapped[str | None] = mapped_column(String(120))  # e.g. topic:lupus, user:3
    detail: Mapped[str | None] = mapped_column(Text)
