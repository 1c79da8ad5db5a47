"""`lupus-sms content export|load`: the live content as content/ YAML files and back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lupus_sms.audit.service import Actor
from lupus_sms.content.snapshot import ContentError
from lupus_sms.content.store import live_texts, parse_texts, read_dir, seed_if_empty, write_dir
from lupus_sms.content.versions import save
from lupus_sms.core.errors import ValidationFailed


@dataclass
class LoadReport:
    seeded: bool = False
    live: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)


def export_content(db, *, content_dir: Path) -> int:
    """Write the live content to `content_dir`; returns the number of files."""
    texts = live_texts(db)
    write_dir(texts, content_dir)
    return len(texts)


def load_content(
    db, *, content_dir: Path, actor: Actor, now: datetime, review_required: bool, note: str
) -> LoadReport:
    """Load files: on an empty database they go live as shipped; later, changed files become
    new versions (drafts when review is on) and topics missing from the folder are deleted."""
    if not (content_dir / "messages.yaml").exists():
        raise ValidationFailed(f"{content_dir} has no messages.yaml")
    texts = read_dir(content_dir)
    try:
        parse_texts(texts, version=0)
    except ContentError as exc:
        raise ValidationFailed("; ".join(exc.problems)) from exc
    report = LoadReport(seeded=seed_if_empty(db, content_dir=content_dir, now=now))
    if report.seeded:
        report.live = sorted(texts)
        return report
    current = live_texts(db)
    removed = {key: "" for key in current if key.startswith("topic:") and key not in texts}
    # Additions first and deletions last, so a topic renamed in one load never clashes.
    for key, body in sorted(texts.items()) + sorted(removed.items()):
        if current.get(key, "") == body:
            continue
        version = save(
            db, key=key, body=body, note=note, actor=actor, now=now, review_required=review_required
        )
        (report.drafts if version.status == "draft" else report.live).append(key)
    return report
