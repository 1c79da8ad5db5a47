"""Admin reads that belong to no other domain's service (kept out of the routers)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.content.models import ContentItem, ContentVersion
from lupus_sms.content.store import draft_versions, live_versions, seed_if_empty


def ensure_content(db: Session, *, content_dir: Path, now: datetime) -> None:
    """The first visit to the editor puts the shipped content in the database, live."""
    if seed_if_empty(db, content_dir=content_dir, now=now):
        db.commit()


def content_overview(db: Session) -> list[dict]:
    """One row per item: its live and pending versions."""
    live = live_versions(db)
    drafts = draft_versions(db)
    keys = sorted(set(live) | set(drafts), key=_item_order)
    return [{"key": key, "live": live.get(key), "draft": drafts.get(key)} for key in keys]


def pending_drafts(db: Session) -> list[tuple[ContentItem, ContentVersion]]:
    query = (
        select(ContentItem, ContentVersion)
        .join(ContentVersion, ContentVersion.item_id == ContentItem.id)
        .where(ContentVersion.status == "draft")
        .order_by(ContentVersion.created_at)
    )
    return [(item, version) for item, version in db.execute(query)]


def list_clinics(db: Session) -> list[tuple[Clinic, list[ApiKey]]]:
    clinics = list(db.scalars(select(Clinic).order_by(Clinic.name)))
    keys = list(db.scalars(select(ApiKey).order_by(ApiKey.created_at)))
    return [(clinic, [k for k in keys if k.clinic_id == clinic.id]) for clinic in clinics]


def _item_order(key: str) -> tuple[int, str]:
    kind = key.partition(":")[0]
    return ({"messages": 0, "topic": 1, "document": 2}.get(kind, 3), key)
