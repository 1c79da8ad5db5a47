"""Reads content/ (YAML) into a validated ContentSnapshot."""

from __future__ import annotations

from pathlib import Path

import yaml

from lupus_sms.content.schemas import Topic
from lupus_sms.content.snapshot import ContentSnapshot

# Content files besides topics/ and messages.yaml; each is owned and validated by a domain.
DOCUMENTS = ("plans", "checkins", "safety")


def load_content_dir(content_dir: Path) -> ContentSnapshot:
    topics = [
        Topic.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted((content_dir / "topics").glob("*.yaml"))
    ]
    messages = _read(content_dir / "messages.yaml")
    documents = {
        name: _read(content_dir / f"{name}.yaml")
        for name in DOCUMENTS
        if (content_dir / f"{name}.yaml").exists()
    }
    return ContentSnapshot.build(topics=topics, messages=messages, version=0, documents=documents)


def _read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))
