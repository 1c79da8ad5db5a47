"""How the safety document is translated (content/es/safety.yaml): only its replies; red-flag
terms, categories and thresholds stay in the English file."""

from __future__ import annotations

from lupus_sms.content.translation import (
    DocumentTranslation,
    register_document_translation,
    replies_of,
)

NAME = "safety"


def english_strings(document: dict) -> dict[str, str]:
    return replies_of(document) if isinstance(document, dict) else {}


def limit_of(path: str) -> str:
    return "safety_reply"


def merge(document: object, translated: dict) -> object:
    """The English safety document with the language's replies in place. Only the replies:
    the compiled rules are cached per document and read the same in every language."""
    if not isinstance(document, dict) or not translated.get("replies"):
        return document
    return {**document, "replies": {**(document.get("replies") or {}), **translated["replies"]}}


register_document_translation(
    NAME,
    DocumentTranslation(
        strings=english_strings,
        translated=replies_of,
        limit=limit_of,
        merge=merge,
        sections=frozenset({"replies"}),
    ),
)
