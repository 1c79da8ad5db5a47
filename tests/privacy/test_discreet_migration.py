"""A database that served content before discreet messages gets the shipped discreet texts
and word list on upgrade, so its live content stays valid and goes discreet."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.content.discreet import DISCREET, for_privacy
from lupus_sms.content.models import ContentState
from lupus_sms.content.store import get_revision, live_texts, parse_texts, seed_if_empty
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade

NEW_ITEMS = {"document:discreet", "document:discreet_words", "es/document:discreet"}


def test_upgrading_a_serving_database_adds_the_discreet_content(fresh_database_url, tmp_path):
    older = tmp_path / "content"
    shutil.copytree(get_settings().content_dir, older)
    for name in ("discreet.yaml", "discreet_words.yaml", "es/discreet.yaml"):
        (older / name).unlink()
    upgrade(fresh_database_url, "0007_console_sessions")
    engine = make_engine(fresh_database_url)
    with Session(engine) as db:
        seed_if_empty(db, content_dir=older, now=datetime(2026, 1, 1, tzinfo=UTC))
        db.commit()
        assert NEW_ITEMS.isdisjoint(live_texts(db))
    upgrade(fresh_database_url, "0008_discreet_messages")  # later ones ship content of their own
    with Session(engine) as db:
        texts = live_texts(db)
        assert set(texts) >= NEW_ITEMS
        assert get_revision(db) == 2
        assert db.scalar(select(ContentState.updated_at)) is not None
        content = parse_texts(texts, version=2)
    assert for_privacy(content, DISCREET).text("help").startswith("Care Texts:")
    engine.dispose()
