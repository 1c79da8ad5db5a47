"""What the bot is waiting for from a number: the topic being paged through with MORE."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base
from lupus_sms.core.models import TimestampMixin


class Conversation(Base, TimestampMixin):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[int] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="CASCADE"), unique=True
    )
    topic_key: Mapped[str | None] = mapped_column(String(64))
    next_part: Mapped[int] = mapped_column(default=0)  # index of the part MORE sends next
