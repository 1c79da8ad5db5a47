"""Reads content/ (YAML) into a validated ContentSnapshot."""

from __future__ import annotations

from pathlib import Path

from lupus_sms.content import discreet as _discreet  # noqa: F401  (registers its checks)
from lupus_sms.content.snapshot import ContentSnapshot

# Content files besides topics/ and messages.yaml; each is owned and validated by a domain.
DOCUMENTS = ("plans", "checkins", "safety", "discreet", "discreet_words", "care_team")


def load_content_dir(content_dir: Path) -> ContentSnapshot:
    """Every file of content/, translations in content/<language>/ included."""
    from lupus_sms.content.store import parse_texts, read_dir

    return parse_texts(read_dir(content_dir), version=0)
