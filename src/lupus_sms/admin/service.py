"""Admin reads that belong to no other domain's service (kept out of the routers)."""

from __future__ import annotations

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.content.models import ContentItem, ContentVersion
from lupus_sms.content.store import draft_versions, live_versions, split_key

# Documents by what they hold, as content editors call them.
DOCUMENT_TITLES = {
    "messages": "System messages (HELP, STOP, menu, consent...)",
    "document:plans": "Reminder plan",
    "document:checkins": "Check-in questions and replies",
    "document:safety": "Safety replies and red-flag terms",
    "document:discreet": "Discreet texts (what a lock screen shows)",
    "document:discreet_words": "Words a discreet text never holds",
    "document:care_team": "Care-team texts: a conversation's opening line, default quick replies",
}
LANGUAGES = (("en", "English"), ("es", "Spanish"))


def content_overview(db: Session) -> list[dict]:
    """One row per item, titled, with its English and Spanish versions side by side:
    {"base", "kind", "title", "languages": {"en"|"es": {"key", "live", "draft", "title"}}}.
    Order: system messages, topics in menu order, then documents."""
    live, drafts = live_versions(db), draft_versions(db)
    bases = {split_key(key)[1] for key in set(live) | set(drafts)}
    rows = []
    for base in bases:
        languages = {}
        for code, _ in LANGUAGES:  # a translation not written yet can be started from here
            key = base if code == "en" else f"{code}/{base}"
            version = drafts.get(key) or live.get(key)
            data = _topic_fields(version) if base.startswith("topic:") else {}
            languages[code] = {"key": key, "live": live.get(key), "draft": drafts.get(key),
                               "title": data.get("title")}  # fmt: skip
        rows.append({"base": base, "languages": languages, **_described(base, languages)})
    return sorted(rows, key=lambda row: row["order"])


def _described(base: str, languages: dict) -> dict:
    kind, _, name = base.partition(":")
    if kind != "topic":
        return {"kind": kind, "title": DOCUMENT_TITLES.get(base, base), "order": (0, 0, base)
                if kind == "messages" else (2, 0, base)}  # fmt: skip
    english = _topic_fields(languages["en"]["draft"] or languages["en"]["live"])
    number = english.get("menu_number")
    return {
        "kind": kind,
        "title": languages["en"]["title"] or languages["es"]["title"] or name.replace("_", " "),
        "order": (1, number if isinstance(number, int) else 999, base),
    }


def _topic_fields(version: ContentVersion | None) -> dict:
    if version is None or not version.body:
        return {}
    try:
        data = yaml.safe_load(version.body)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def pending_drafts(db: Session) -> list[tuple[ContentItem, ContentVersion]]:
    """Every content version waiting for a second person's approval, oldest first."""
    query = (
        select(ContentItem, ContentVersion)
        .join(ContentVersion, ContentVersion.item_id == ContentItem.id)
        .where(ContentVersion.status == "draft")
        .order_by(ContentVersion.created_at)
    )
    return [(item, version) for item, version in db.execute(query)]


def list_clinics(db: Session) -> list[tuple[Clinic, list[ApiKey]]]:
    """Every clinic by name, each with its API keys (revoked ones included), oldest first."""
    clinics = list(db.scalars(select(Clinic).order_by(Clinic.name)))
    keys = list(db.scalars(select(ApiKey).order_by(ApiKey.created_at)))
    return [(clinic, [k for k in keys if k.clinic_id == clinic.id]) for clinic in clinics]
