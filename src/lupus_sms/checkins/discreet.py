"""How the check-in document takes its discreet questions (content/discreet.yaml,
`checkins: {key: question}`): every check-in has one (content/discreet.py)."""

from __future__ import annotations

from lupus_sms.checkins.document import NAME
from lupus_sms.content.discreet import DiscreetOverlay, register_discreet_overlay


def keys(document: object) -> set[str]:
    entries = (document.get("checkins") or {}) if isinstance(document, dict) else {}
    return {str(key) for key, entry in entries.items() if isinstance(entry, dict)}


def apply(document: object, texts: dict[str, str]) -> object:
    """The check-in document with each discreet question in place of its question."""
    if not isinstance(document, dict):
        return document
    entries = document.get("checkins") or {}
    return {
        **document,
        "checkins": {
            key: {**entry, "question": texts[key]} if key in texts else entry
            for key, entry in entries.items()
        },
    }


register_discreet_overlay(NAME, DiscreetOverlay(keys=keys, apply=apply))
