"""Content texts in the database, and the content source every process polls.

An item's text is its content/ file, byte for byte. Keys name the file:
"messages" -> messages.yaml, "topic:lupus" -> topics/lupus.yaml, "document:plans" -> plans.yaml.
A translation's keys carry its language first: "es/topic:lupus" -> es/topics/lupus.yaml.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lupus_sms.content.loader import DOCUMENTS
from lupus_sms.content.models import DRAFT, LIVE, ContentItem, ContentState, ContentVersion
from lupus_sms.content.schemas import Topic
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.content.translation import TRANSLATED_LANGUAGES, Translation

logger = logging.getLogger(__name__)
MESSAGES = "messages"
SHIPPED_AUTHOR = "content/ (shipped)"


def split_key(key: str) -> tuple[str | None, str]:
    """("es", "topic:lupus") for "es/topic:lupus"; (None, key) for English items."""
    language, slash, rest = key.partition("/")
    return (language, rest) if slash else (None, key)


def path_for(key: str) -> Path:
    language, key = split_key(key)
    folder = Path(language) if language else Path()
    if key == MESSAGES:
        return folder / "messages.yaml"
    kind, _, name = key.partition(":")
    return folder / ("topics" if kind == "topic" else "") / f"{name}.yaml"


def read_dir(content_dir: Path) -> dict[str, str]:
    """Every content file as text, keyed by item key (translations when their folder exists)."""
    texts = {MESSAGES: _read_text(content_dir / "messages.yaml")}
    texts.update(_read_files(content_dir, prefix=""))
    for language in TRANSLATED_LANGUAGES:
        folder = content_dir / language
        if folder.is_dir():
            if (folder / "messages.yaml").exists():
                texts[f"{language}/{MESSAGES}"] = _read_text(folder / "messages.yaml")
            texts.update(_read_files(folder, prefix=f"{language}/"))
    return texts


def _read_files(folder: Path, *, prefix: str) -> dict[str, str]:
    texts = {}
    for path in sorted((folder / "topics").glob("*.yaml")):
        texts[f"{prefix}topic:{path.stem}"] = _read_text(path)
    for name in DOCUMENTS:
        if (folder / f"{name}.yaml").exists():
            texts[f"{prefix}document:{name}"] = _read_text(folder / f"{name}.yaml")
    return texts


def write_dir(texts: dict[str, str], content_dir: Path) -> None:
    """Write texts as content/ files; topic files no longer live are removed."""
    wanted = {content_dir / path_for(key) for key in texts}
    for folder in (content_dir, *(content_dir / lang for lang in TRANSLATED_LANGUAGES)):
        for stale in (folder / "topics").glob("*.yaml"):
            if stale not in wanted:
                stale.unlink()
    for key, text in texts.items():
        path = content_dir / path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def _read_text(path: Path) -> str:
    # Bytes, not read_text: universal newlines would change \r\n and break the round trip.
    return path.read_bytes().decode("utf-8")


def parse_texts(texts: dict[str, str], *, version: int) -> ContentSnapshot:
    """Validate a full set of texts into a snapshot; ContentError lists every problem.

    Validation measures every text against every limit (a good part of a second), and the
    same texts come back often: each process start, each admin preview of an unchanged
    document, each test. The same texts give the same (frozen) snapshot, so it is kept."""
    return _parse_texts(tuple(sorted(texts.items())), version)


@lru_cache(maxsize=8)
def _parse_texts(items: tuple[tuple[str, str], ...], version: int) -> ContentSnapshot:
    texts = dict(items)
    problems: list[str] = []
    topics: list[Topic] = []
    messages: dict = {}
    documents: dict[str, object] = {}
    translations: dict[str, Translation] = {}
    for full_key, text in sorted(texts.items()):
        if not text:
            continue  # a deleted topic (or a removed translation)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problems.append(f"{full_key}: not valid YAML ({_short(exc)})")
            continue
        language, key = split_key(full_key)
        if language is not None:
            _add_translated(translations, language, key, data, problems)
            continue
        kind, _, name = key.partition(":")
        if key == MESSAGES:
            messages = _as_messages(data, problems)
        elif kind == "topic":
            topic = _as_topic(name, data, problems)
            if topic is not None:
                topics.append(topic)
        else:
            documents[name] = data
    if problems:
        raise ContentError(problems)
    return ContentSnapshot.build(
        topics=topics,
        messages=messages,
        version=version,
        documents=documents,
        translations=translations,
    )


def _add_translated(translations, language: str, key: str, data, problems: list[str]) -> None:
    if language not in TRANSLATED_LANGUAGES:
        problems.append(f"{language}/{key}: no such language")
        return
    translation = translations.setdefault(language, Translation())
    kind, _, name = key.partition(":")
    if key == MESSAGES:
        translation.messages.update(_as_messages(data, problems, label=f"{language}/messages"))
    elif kind == "topic":
        topic = _as_topic(name, data, problems, label=f"{language}/topic")
        if topic is not None:
            translation.topics[topic.key] = topic
    elif isinstance(data, dict):
        translation.documents[name] = data
    else:
        problems.append(f"{language}/{name}: must be a mapping")


def _as_messages(data, problems: list[str], *, label: str = "messages") -> dict:
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        problems.append(f"{label}: every message must be a name with a text")
        return {}
    return data


def _as_topic(name: str, data, problems: list[str], *, label: str = "topic") -> Topic | None:
    try:
        topic = Topic.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "topic"
            problems.append(f"{label} {name}: {where}: {error['msg']}")
        return None
    if topic.key != name:
        problems.append(f"{label} {name}: key must stay {name!r}")
    return topic


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:160]


# --- reading the database -------------------------------------------------------------


def get_revision(db: Session) -> int | None:
    """The live content revision, or None while the database holds no content."""
    return db.scalar(select(ContentState.revision).where(ContentState.id == 1))


def live_versions(db: Session) -> dict[str, ContentVersion]:
    query = (
        select(ContentItem.key, ContentVersion)
        .join(ContentVersion, ContentVersion.item_id == ContentItem.id)
        .where(ContentVersion.status == LIVE)
        .order_by(ContentItem.key)
    )
    return {key: version for key, version in db.execute(query)}


def live_texts(db: Session) -> dict[str, str]:
    return {key: v.body for key, v in live_versions(db).items() if v.body}


def draft_versions(db: Session) -> dict[str, ContentVersion]:
    query = (
        select(ContentItem.key, ContentVersion)
        .join(ContentVersion, ContentVersion.item_id == ContentItem.id)
        .where(ContentVersion.status == DRAFT)
        .order_by(ContentVersion.id)
    )
    return {key: version for key, version in db.execute(query)}


def draft_texts(db: Session) -> dict[str, str]:
    """Live content with every pending draft applied: what the simulator shows."""
    texts = dict(live_versions(db))
    texts.update(draft_versions(db))
    return {key: v.body for key, v in texts.items() if v.body}


def seed_if_empty(db: Session, *, content_dir: Path, now: datetime) -> bool:
    """A fresh install serves the shipped content/ as live version 1 (reviewed like code)."""
    if get_revision(db) is not None:
        return False
    texts = read_dir(content_dir)
    parse_texts(texts, version=1)
    for key, text in texts.items():
        item = ContentItem(key=key, created_at=now)
        db.add(item)
        db.flush()
        version = ContentVersion(
            item_id=item.id,
            number=1,
            body=text,
            status=LIVE,
            note="shipped content",
            author=SHIPPED_AUTHOR,
            created_at=now,
        )
        db.add(version)
    db.add(ContentState(id=1, revision=1, updated_at=now))
    db.flush()
    return True


# --- the source get_content() polls ---------------------------------------------------

SessionFactory = Callable[[], AbstractContextManager[Session]]


class DatabaseSource:
    """Live content from the database; content/ YAML while the database holds none."""

    def __init__(self, session_factory: SessionFactory, content_dir: Callable[[], Path]):
        self.session_factory = session_factory
        self.content_dir = content_dir

    def __call__(self, current: ContentSnapshot | None) -> ContentSnapshot | None:
        try:
            with self.session_factory() as db:
                revision = get_revision(db)
                if revision is None or (current is not None and current.version == revision):
                    return self._fallback(current, revision)
                return parse_texts(live_texts(db), version=revision)
        except (SQLAlchemyError, ContentError) as exc:
            if current is None and self._no_schema_yet():
                # A command run on a database it is about to migrate: content/ is what the
                # database will start with, nothing is wrong.
                logger.info("no live content yet (the database has no schema): serving content/")
                return self._fallback(current, None)
            # The driver's own message only: a statement's parameters never reach the log.
            reason = _short(getattr(exc, "orig", None) or exc)
            logger.error("live content unavailable, keeping what is served: %s", reason)
            return self._fallback(current, None)

    def _no_schema_yet(self) -> bool:
        try:
            with self.session_factory() as db:
                return not inspect(db.connection()).has_table(ContentState.__tablename__)
        except SQLAlchemyError:  # unreachable: that is not "no schema"
            return False

    def _fallback(self, current: ContentSnapshot | None, revision: int | None):
        if current is not None:
            return None
        from lupus_sms.content.loader import load_content_dir

        return load_content_dir(self.content_dir())


def add_shipped_items(bind, keys: tuple[str, ...]) -> None:
    """For a migration that ships new content files: a database already serving content
    gets each of `keys` as shipped (live version 1), unless it has it, so its live content
    stays complete. A fresh install seeds every shipped file itself. Plain SQL on the
    migration's connection: the models may be newer than the schema being migrated."""
    from datetime import UTC

    import sqlalchemy as sa

    from lupus_sms.core.config import get_settings

    revision = bind.execute(sa.text("SELECT revision FROM content_state WHERE id = 1")).scalar()
    if revision is None:
        return
    shipped = read_dir(get_settings().content_dir)
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored naive in UTC there (core/db.py, UTCDateTime)
    find = sa.text("SELECT id FROM content_items WHERE key = :key")
    added = [k for k in keys if k in shipped and bind.execute(find, {"key": k}).scalar() is None]
    for key in added:
        bind.execute(
            sa.text("INSERT INTO content_items (key, created_at) VALUES (:key, :now)"),
            {"key": key, "now": now},
        )
        bind.execute(
            sa.text(
                "INSERT INTO content_versions (item_id, number, body, status, note, author, "
                "created_at) VALUES (:item, 1, :body, 'live', 'shipped content', :author, :now)"
            ),
            {
                "item": bind.execute(find, {"key": key}).scalar(),
                "body": shipped[key],
                "author": SHIPPED_AUTHOR,
                "now": now,
            },
        )
    if added:  # every process reloads the live content
        bind.execute(
            sa.text(
                "UPDATE content_state SET revision = revision + 1, updated_at = :now WHERE id = 1"
            ),
            {"now": now},
        )
