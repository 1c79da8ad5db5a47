"""Content changes made in the admin console's editor, each a use case: the new version (or
review) and its audit entry are committed together, a refused one leaves nothing behind, and
once the commit is done this process drops its content snapshot (the others refresh within
`content_refresh_seconds`). The editor's routes only translate HTTP.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, one_transaction
from lupus_sms.content import versions
from lupus_sms.content.models import ContentVersion
from lupus_sms.content.service import reset_content_cache
from lupus_sms.content.store import seed_if_empty
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.request_scope import after_commit

REVIEW_ACTIONS = ("approve", "reject", "restore")


def ensure_seeded(db: Session, *, content_dir: Path, now: datetime) -> None:
    """The first visit to the editor puts the shipped content in the database, live."""
    with one_transaction(db):
        seed_if_empty(db, content_dir=content_dir, now=now)


def save_version(
    db: Session,
    *,
    key: str,
    body: str,
    note: str,
    actor: Actor,
    now: datetime,
    review_required: bool,
) -> ContentVersion:
    """A new version of `key`: a draft for review, or live at once (`versions.save`)."""
    with one_transaction(db):
        version = versions.save(db, key=key, body=body, note=note, actor=actor, now=now,
                                review_required=review_required)  # fmt: skip
    after_commit(db, reset_content_cache)
    return version


def review_version(
    db: Session,
    *,
    version_id: int,
    action: str,
    reviewer: versions.Reviewer,
    now: datetime,
    review_required: bool,
) -> str:
    """One of REVIEW_ACTIONS on a version; the key of its item."""
    with one_transaction(db):
        key = versions.key_of(db, version_id=version_id)
        if action == "approve":
            versions.approve(db, version_id=version_id, reviewer=reviewer, now=now)
        elif action == "reject":
            versions.reject(db, version_id=version_id, reviewer=reviewer, now=now)
        elif action == "restore":
            versions.restore(db, version_id=version_id, actor=reviewer.actor, now=now,
                             review_required=review_required)  # fmt: skip
        else:
            raise ValidationFailed("unknown action")
    after_commit(db, reset_content_cache)
    return key
