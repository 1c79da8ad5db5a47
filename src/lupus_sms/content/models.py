"""Live content in the database: one item per topic, `messages` and each document.

Each item's text is kept exactly as its content/ YAML file reads, so export and load round
trip byte for byte. `content_state.revision` is the one counter every process polls.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lupus_sms.core.db import Base, UTCDateTime

# Version status: a draft waits for review; live is the one served; old live versions are
# "retired"; a draft superseded by a newer draft or rejected is "discarded".
DRAFT, LIVE, RETIRED, DISCARDED = "draft", "live", "retired", "discarded"


class ContentItem(Base):
    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "topic:lupus", "messages", "document:plans": the file it exports to follows from it.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContentVersion(Base):
    __tablename__ = "content_versions"
    # At most one live version per item; _make_live retires the old one in the same flush.
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        Index("ix_content_live", "item_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)  # the YAML text; "" marks a deleted topic
    status: Mapped[str] = mapped_column(String(12), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(254))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ContentState(Base):
    """A single row: bumped whenever live content changes."""

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
