"""Stored answers to check-ins."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import PERSONAL, Base
from lupus_sms.core.models import TimestampMixin


class CheckinAnswer(Base, TimestampMixin):
    """A patient's reply to a check-in, as read: an option, a meaning, a temperature."""

    __tablename__ = "checkin_answers"
    __table_args__ = (Index("ix_checkin_answers_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    checkin_key: Mapped[str] = mapped_column(String(64))
    question_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # answered | unclear
    option: Mapped[str | None] = mapped_column(String(8))
    meaning: Mapped[str | None] = mapped_column(String(32))
    temperature_c: Mapped[float | None]
    red_flag: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
