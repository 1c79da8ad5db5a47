"""The content workflow: save (a draft or live), approve, reject, restore, history, diff.

Every save is a new version with author, time and note. With review on (the default) a
change is a draft until a second admin approves it; the safety document always is, and so is
a change to clinical protocol text (content/protocol.py).
Helpers flush; the route or command that calls them commits.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, record
from lupus_sms.content import protocol
from lupus_sms.content.models import (
    DISCARDED,
    DRAFT,
    LIVE,
    RETIRED,
    ContentItem,
    ContentState,
    ContentVersion,
)
from lupus_sms.content.snapshot import ContentError, save_check_problems
from lupus_sms.content.store import draft_versions, live_texts, parse_texts
from lupus_sms.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationFailed
from lupus_sms.core.text_input import CONTROL_CHARACTERS

ALWAYS_REVIEWED = frozenset({"document:safety", "es/document:safety"})  # in every language
DOCUMENT_PREFIX = "document:"  # English documents; "es/document:..." hold only their words
NOTE_MAX = 200  # the editor's note field says so too (maxlength)


@dataclass(frozen=True)
class Reviewer:
    actor: Actor
    may_review: bool


def needs_review(key: str, *, review_required: bool, changes_protocol: bool = False) -> bool:
    return review_required or key in ALWAYS_REVIEWED or changes_protocol


def protocol_approvals(db: Session, *, key: str) -> list[protocol.Approval]:
    """Each protocol text of item `key` with who approved its current wording."""
    if not protocol.is_protocol_document(key):
        return []
    item = db.scalar(select(ContentItem).where(ContentItem.key == key))
    if item is None:
        return []
    went_live = (
        select(ContentVersion)
        .where(ContentVersion.item_id == item.id, ContentVersion.status.in_((LIVE, RETIRED)))
        .order_by(ContentVersion.number)
    )
    history = list(db.scalars(went_live))
    return protocol.approvals(live_texts(db), key=key, history=history)


def get_item(db: Session, *, key: str) -> ContentItem:
    item = db.scalar(select(ContentItem).where(ContentItem.key == key))
    if item is None:
        raise NotFoundError(f"no content item {key!r}")
    return item


def get_version(db: Session, *, version_id: int) -> ContentVersion:
    version = db.get(ContentVersion, version_id)
    if version is None:
        raise NotFoundError("no such version")
    return version


def history(db: Session, *, key: str) -> list[ContentVersion]:
    item = get_item(db, key=key)
    query = select(ContentVersion).where(ContentVersion.item_id == item.id)
    return list(db.scalars(query.order_by(ContentVersion.number.desc())))


def _holds_control_character(body: str) -> bool:
    """Raw, or escaped inside YAML ("\\0", "\\x07"): either way a patient's phone gets it."""
    if CONTROL_CHARACTERS.search(body):
        return True
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return False  # the parser reports the broken YAML itself
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and CONTROL_CHARACTERS.search(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def validate_change(db: Session, *, key: str, body: str) -> None:
    """Refuse a text that would make the live content invalid, listing every problem."""
    texts = live_texts(db)
    texts[key] = body
    if not body and not key.startswith("topic:"):
        raise ValidationFailed("only topics can be deleted")
    if _holds_control_character(body):
        raise ValidationFailed("the text holds a control character (such as NUL): remove it")
    try:
        snapshot = parse_texts(texts, version=0)
    except ContentError as exc:
        raise ValidationFailed("; ".join(exc.problems)) from exc
    if key.startswith(DOCUMENT_PREFIX):
        name = key.removeprefix(DOCUMENT_PREFIX)
        problems = save_check_problems(name, snapshot.documents.get(name))
        if problems:
            raise ValidationFailed("; ".join(problems))


def save(
    db: Session,
    *,
    key: str,
    body: str,
    note: str,
    actor: Actor,
    now: datetime,
    review_required: bool,
) -> ContentVersion:
    """A new version of `key` (a new topic when the key is new): a draft or live."""
    note = " ".join((note or "").split())
    if not note:
        raise ValidationFailed("add a short note saying what changed and why", field="note")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            f"the note is {len(note)} characters; keep it to {NOTE_MAX}", field="note"
        )
    item = db.scalar(select(ContentItem).where(ContentItem.key == key))
    live = _live_version(db, item.id) if item else None
    if live is not None and live.body == body and key not in draft_versions(db):
        raise ValidationFailed("nothing changed", field="body")
    validate_change(db, key=key, body=body)
    changes_protocol = protocol.changes_protocol(live_texts(db), key=key, body=body)
    if item is None:
        item = ContentItem(key=key, created_at=now)
        db.add(item)
        db.flush()
    version = ContentVersion(
        item_id=item.id,
        number=_next_number(db, item.id),
        body=body,
        status=DRAFT,
        note=note,
        author=actor.label,
        author_id=actor.user_id,
        created_at=now,
    )
    _discard_drafts(db, item.id)
    db.add(version)
    db.flush()
    draft = needs_review(key, review_required=review_required, changes_protocol=changes_protocol)
    record(
        db,
        actor=actor,
        action="content.draft" if draft else "content.save",
        now=now,
        target=f"{key} v{version.number}",
        detail=note,
    )
    if not draft:
        _make_live(db, item=item, version=version, now=now)
    return version


def approve(db: Session, *, version_id: int, reviewer: Reviewer, now: datetime) -> None:
    """A second admin puts a draft live."""
    version = _pending(db, version_id, reviewer)
    item = db.get(ContentItem, version.item_id)
    validate_change(db, key=item.key, body=version.body)
    version.reviewed_by = reviewer.actor.label
    version.reviewed_at = now
    _make_live(db, item=item, version=version, now=now)
    record(
        db,
        actor=reviewer.actor,
        action="content.approve",
        now=now,
        target=f"{item.key} v{version.number}",
        detail=version.note,
    )


def reject(db: Session, *, version_id: int, reviewer: Reviewer, now: datetime) -> None:
    version = _pending(db, version_id, reviewer, own_allowed=True)
    item = db.get(ContentItem, version.item_id)
    version.status = DISCARDED
    version.reviewed_by = reviewer.actor.label
    version.reviewed_at = now
    db.flush()
    record(
        db,
        actor=reviewer.actor,
        action="content.reject",
        now=now,
        target=f"{item.key} v{version.number}",
    )


def restore(
    db: Session, *, version_id: int, actor: Actor, now: datetime, review_required: bool
) -> ContentVersion:
    """Any earlier version comes back as a new version (a draft when review is on)."""
    old = get_version(db, version_id=version_id)
    item = db.get(ContentItem, old.item_id)
    return save(
        db,
        key=item.key,
        body=old.body,
        note=f"restore version {old.number}",
        actor=actor,
        now=now,
        review_required=review_required,
    )


def diff(older: ContentVersion | None, newer: ContentVersion) -> list[tuple[str, str]]:
    """Unified diff lines as (kind, text); kind is add, remove, context or header."""
    before = (older.body if older else "").splitlines()
    lines = difflib.unified_diff(before, newer.body.splitlines(), lineterm="", n=2)
    kinds = {"+": "add", "-": "remove", "@": "header"}
    return [(kinds.get(line[:1], "context"), line) for line in list(lines)[2:]]


def previous_version(db: Session, version: ContentVersion) -> ContentVersion | None:
    query = select(ContentVersion).where(
        ContentVersion.item_id == version.item_id, ContentVersion.number < version.number
    )
    return db.scalar(query.order_by(ContentVersion.number.desc()).limit(1))


def _pending(
    db: Session, version_id: int, reviewer: Reviewer, *, own_allowed: bool = False
) -> ContentVersion:
    if not reviewer.may_review:
        raise PermissionDenied("only a reviewer or owner can review drafts")
    version = get_version(db, version_id=version_id)
    if version.status != DRAFT:
        raise ConflictError("this version is not a pending draft")
    if (
        not own_allowed
        and version.author_id is not None
        and (version.author_id == reviewer.actor.user_id)
    ):
        raise PermissionDenied("a second person must approve your own change")
    return version


def _make_live(db: Session, *, item: ContentItem, version: ContentVersion, now: datetime) -> None:
    db.execute(
        update(ContentVersion)
        .where(ContentVersion.item_id == item.id, ContentVersion.status == LIVE)
        .values(status=RETIRED)
    )
    version.status = LIVE
    state = db.get(ContentState, 1)
    if state is None:
        state = ContentState(id=1, revision=0)
        db.add(state)
    state.revision += 1
    state.updated_at = now
    db.flush()


def _live_version(db: Session, item_id: int) -> ContentVersion | None:
    query = select(ContentVersion).where(
        ContentVersion.item_id == item_id, ContentVersion.status == LIVE
    )
    return db.scalar(query)


def _discard_drafts(db: Session, item_id: int) -> None:
    db.execute(
        update(ContentVersion)
        .where(ContentVersion.item_id == item_id, ContentVersion.status == DRAFT)
        .values(status=DISCARDED)
    )


def _next_number(db: Session, item_id: int) -> int:
    query = select(func.max(ContentVersion.number)).where(ContentVersion.item_id == item_id)
    return (db.scalar(query) or 0) + 1


def key_of(db: Session, *, version_id: int) -> str:
    version = get_version(db, version_id=version_id)
    return db.get(ContentItem, version.item_id).key
