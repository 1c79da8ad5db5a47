"""Planned messages: the materialised plan, one row per (patient, step, anchor, revision)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin


class PlannedMessage(Base, TimestampMixin):
    __tablename__ = "planned_messages"
    __table_args__ = (
        UniqueConstraint("patient_id", "step_key", "anchor_id", "anchor_revision"),
        # The tick reads only due rows: cost follows the due rows, not the patients.
        Index("ix_planned_messages_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    step_key: Mapped[str] = mapped_column(String(64))
    anchor_id: Mapped[int] = mapped_column(ForeignKey("anchors.id", ondelete="CASCADE"))
    anchor_revision: Mapped[int] = mapped_column(default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="planned")
    status_reason: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchedulerHeartbeat(Base):
    """When a scheduler tick last completed (one row per name; every worker writes `tick`).
    `/healthz` reads its age so a dead worker is noticed."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
