"""Reads content/ (YAML) into a validated ContentSnapshot."""

from __future__ import annotations

from pathlib import Path

import yaml

from lupus_sms.content.schemas import Topic
from lupus_sms.content.snapshot import ContentSnapshot


def load_content_dir(content_dir: Path) -> ContentSnapshot:
    topics = [
        Topic.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted((content_dir / "topics").glob("*.yaml"))
    ]
    messages = yaml.safe_load((content_dir / "messages.yaml").read_text(encoding="utf-8"))
    return ContentSnapshot.build(topics=topics, messages=messages, version=0)
