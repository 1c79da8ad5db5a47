"""How the check-in document is translated (content/es/checkins.yaml): the questions and the
replies, keyed by the English keys; options, windows and meanings stay in the English file."""

from __future__ import annotations

from lupus_sms.checkins.document import NAME
from lupus_sms.content.translation import (
    DocumentTranslation,
    register_document_translation,
    replies_of,
)


def english_strings(document: dict) -> dict[str, str]:
    if not isinstance(document, dict):
        return {}
    return {**_questions(document), **replies_of(document)}


def translated_strings(data: dict) -> dict[str, str]:
    return {**_questions(data), **replies_of(data)}


def limit_of(path: str) -> str:
    """A question is sent by the clinic on its own; a reply answers the patient."""
    return "checkin_question" if path.endswith(".question") else "checkin_reply"


def merge(document: object, translated: dict) -> object:
    """The English document with the language's questions and replies in place."""
    if not isinstance(document, dict):
        return document
    questions = translated.get("checkins") or {}
    return {
        **document,
        "checkins": {
            key: {**entry, "question": questions[key]["question"]}
            if key in questions and "question" in (questions[key] or {})
            else entry
            for key, entry in (document.get("checkins") or {}).items()
        },
        "replies": {**(document.get("replies") or {}), **(translated.get("replies") or {})},
    }


def _questions(data: dict) -> dict[str, str]:
    return {
        f"{key}.question": str(entry["question"])
        for key, entry in (data.get("checkins") or {}).items()
        if isinstance(entry, dict) and "question" in entry
    }


register_document_translation(
    NAME,
    DocumentTranslation(
        strings=english_strings,
        translated=translated_strings,
        limit=limit_of,
        merge=merge,
        sections=frozenset({"checkins", "replies"}),
    ),
)
