"""How the plan document is translated (content/es/plans.yaml): `texts: {step_key: text}`;
offsets, anchors and check-in keys stay in the English file."""

from __future__ import annotations

from lupus_sms.content.translation import DocumentTranslation, register_document_translation

NAME = "plans"


def english_strings(document: dict) -> dict[str, str]:
    steps = (document.get("steps") or ()) if isinstance(document, dict) else ()
    return {
        str(step.get("key")): str(step["text"])
        for step in steps
        if isinstance(step, dict) and step.get("text")
    }


def translated_strings(data: dict) -> dict[str, str]:
    return {str(key): str(text) for key, text in (data.get("texts") or {}).items()}


def limit_of(path: str) -> str:
    return "reminder"  # every step's text is sent by the clinic on its own


def merge(document: object, translated: dict) -> object:
    """The English plans with the language's step texts in place."""
    texts = translated.get("texts") or {}
    if not texts:
        return document
    return with_step_texts(document, texts)


def with_step_texts(document: object, texts: dict[str, str]) -> object:
    """The plans with `texts[step key]` in place of each step's text that has one (a
    translation's, or the discreet form's)."""
    if not isinstance(document, dict):
        return document
    steps = [
        {**step, "text": texts[step["key"]]}
        if isinstance(step, dict) and step.get("text") and step.get("key") in texts
        else step
        for step in document.get("steps") or ()
    ]
    return {**document, "steps": steps}


register_document_translation(
    NAME,
    DocumentTranslation(
        strings=english_strings,
        translated=translated_strings,
        limit=limit_of,
        merge=merge,
        sections=frozenset({"texts"}),
    ),
)
