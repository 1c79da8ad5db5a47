"""The care-team texts (content/care_team.yaml, translated in content/es/care_team.yaml): the
line that opens a conversation and the service-wide quick replies, edited in the admin
console with versions like every other text."""

from __future__ import annotations

import string

from lupus_sms.content.snapshot import ContentSnapshot, register_document_validator
from lupus_sms.content.translation import DocumentTranslation, register_document_translation

NAME = "care_team"
PLACEHOLDERS = frozenset({"first_name", "clinic_name", "office_phone", "urgent_phone"})
INTRO_PLACEHOLDERS = frozenset({"clinic_name", "office_phone", "urgent_phone"})
QUICK_REPLY_FIELDS = ("title", "body")


def intro(content: ContentSnapshot) -> str:
    """The line before the first staff message of a conversation, in the view's language."""
    return str(content.document(NAME)["intro"])


def quick_replies(content: ContentSnapshot) -> dict[str, dict[str, str]]:
    """The service-wide quick replies by key: {"insurance": {"title": ..., "body": ...}}."""
    found = content.document(NAME).get("quick_replies") or {}
    return {
        key: {f: str(value.get(f, "")) for f in QUICK_REPLY_FIELDS} for key, value in found.items()
    }


def placeholders_in(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def validate_care_team(document: object) -> list[str]:
    if not isinstance(document, dict):
        return ["must be a mapping with `intro` and `quick_replies`"]
    problems = []
    text = document.get("intro")
    if not isinstance(text, str) or not text.strip():
        problems.append("`intro` must be a text")
    else:
        problems += _placeholder_problems("intro", text, INTRO_PLACEHOLDERS)
    replies = document.get("quick_replies")
    if not isinstance(replies, dict) or not replies:
        return [*problems, "`quick_replies` must map keys to a title and a body"]
    for key, reply in replies.items():
        if not isinstance(reply, dict) or not all(
            isinstance(reply.get(f), str) and reply[f].strip() for f in QUICK_REPLY_FIELDS
        ):
            problems.append(f"quick reply {key!r} needs a `title` and a `body`")
            continue
        problems += _placeholder_problems(f"quick reply {key!r}", reply["body"], PLACEHOLDERS)
    return problems


def _placeholder_problems(where: str, text: str, allowed: frozenset[str]) -> list[str]:
    try:
        unknown = placeholders_in(text) - allowed
    except ValueError as exc:
        return [f"{where}: {exc}"]
    if unknown:
        return [f"{where}: unknown placeholder(s) {sorted(unknown)}; use {sorted(allowed)}"]
    return []


def _strings(document: object) -> dict[str, str]:
    if not isinstance(document, dict):
        return {}
    found = {"intro": str(document["intro"])} if document.get("intro") else {}
    for key, reply in (document.get("quick_replies") or {}).items():
        if isinstance(reply, dict):
            for f in QUICK_REPLY_FIELDS:
                if reply.get(f):
                    found[f"quick_replies.{key}.{f}"] = str(reply[f])
    return found


def _merge(document: object, translated: dict) -> object:
    """The English document with a language's strings in place (keys and order stay)."""
    if not isinstance(document, dict) or not translated:
        return document
    replies = {
        key: {**reply, **((translated.get("quick_replies") or {}).get(key) or {})}
        for key, reply in (document.get("quick_replies") or {}).items()
    }
    return {**document, "intro": translated.get("intro") or document.get("intro"),
            "quick_replies": replies}  # fmt: skip


def _limit(path: str) -> str:
    return "message"


register_document_validator(NAME, validate_care_team)
register_document_translation(
    NAME,
    DocumentTranslation(
        strings=_strings,
        translated=_strings,
        limit=_limit,
        merge=_merge,
        sections=frozenset({"intro", "quick_replies"}),
    ),
)
