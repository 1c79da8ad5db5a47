"""Reading the check-in document (content/checkins.yaml) from a content snapshot.

The one place that knows the document's shape: the other domains ask for questions and
settings through these functions. Free of database imports, so scheduling can read questions
without loading the inbound steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lupus_sms.alerts.documents import register_expiry
from lupus_sms.alerts.rules import plain_words
from lupus_sms.content.snapshot import ContentSnapshot

NAME = "checkins"
DEFAULT_NO_RESPONSE_AFTER = 2
DEFAULT_EXPIRE_DAYS = 14


@dataclass(frozen=True)
class Option:
    number: str
    meaning: str
    words: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Checkin:
    key: str
    question: str
    window: timedelta
    options: dict[str, Option]
    expects_temperature: bool


def checkins_document(content: ContentSnapshot) -> dict[str, Any]:
    return dict(content.documents.get(NAME) or {})


def checkins(content: ContentSnapshot) -> dict[str, Checkin]:
    """Every check-in defined in content, by key."""
    raw = checkins_document(content).get("checkins") or {}
    return {key: _checkin(key, entry) for key, entry in raw.items()}


def checkin_question(content: ContentSnapshot, key: str) -> str:
    """The question template of check-in `key` (its placeholders unfilled)."""
    entry = (checkins_document(content).get("checkins") or {}).get(key)
    if entry is None:
        raise KeyError(f"no check-in {key!r} in content/checkins.yaml")
    return str(entry["question"])


def questions(content: ContentSnapshot) -> list[str]:
    """Every check-in question template, in the document's order."""
    raw = checkins_document(content).get("checkins") or {}
    return [str(entry["question"]) for entry in raw.values() if "question" in entry]


def no_response_after(content: ContentSnapshot) -> int:
    """How many check-ins in a row left unanswered raise a no_response alert."""
    document = checkins_document(content)
    return int(document.get("no_response_after", DEFAULT_NO_RESPONSE_AFTER))


def expire_after(content: ContentSnapshot) -> timedelta:
    """How long a low-priority alert waits for someone before it expires."""
    days = float(checkins_document(content).get("expire_after_days", DEFAULT_EXPIRE_DAYS))
    return timedelta(days=days)


def reply_text(content: ContentSnapshot, name: str, **values: object) -> str:
    return str(checkins_document(content)["replies"][name]).format(**values)


def _checkin(key: str, entry: dict) -> Checkin:
    options = {
        str(number): Option(
            number=str(number),
            meaning=str(option["meaning"]),
            words=tuple(tuple(plain_words(str(w))) for w in option.get("words") or ()),
        )
        for number, option in (entry.get("options") or {}).items()
    }
    return Checkin(
        key=key,
        question=str(entry["question"]),
        window=timedelta(hours=float(entry.get("window_hours", 24))),
        options=options,
        expects_temperature=entry.get("expects") == "temperature",
    )


# Alerts read this document's expiry for their low-priority items through this, never the file.
register_expiry(expire_after)
