"""The discreet editor's lock-screen preview: each discreet text as a locked phone shows it.

A lock screen shows the sender and the first two lines or so of a text, to anyone nearby.
The editor of content/discreet.yaml (and its translation) draws each text in that shape,
filled with sample values and a neutral clinic name, so an editor sees what a bystander
would read before saving; the validator still refuses any listed word (content/discreet.py).
"""

from __future__ import annotations

import string
from datetime import datetime

import yaml

from lupus_sms.admin.editor import SAMPLE_VALUES
from lupus_sms.scheduling.plans import format_appointment

DOCUMENT = "document:discreet"
# About what iOS and Android show of a text on a locked screen before cutting it off.
SHOWN_CHARACTERS = 110
SENDER = "(617) 555-0100"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


SAMPLE_APPOINTMENT = datetime(2026, 3, 10, 9, 30)


def previews(key: str, body: str) -> list[dict]:
    """One preview per discreet text of this item; none for another item."""
    if key.rpartition("/")[2] != DOCUMENT:
        return []
    try:
        data = yaml.safe_load(body) or {}
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    messages = data.get("messages") if isinstance(data.get("messages"), dict) else {}
    values = SAMPLE_VALUES | {
        "clinic_name": "Riverside Health",
        "program_name": str(messages.get("program_name") or "Care Texts"),
        "topics": "1 ...",
        # A sample appointment as the patient reads it, in the document's language.
        **format_appointment(SAMPLE_APPOINTMENT, "es" if key.startswith("es/") else "en"),
    }
    found = []
    for section in ("plans", "checkins", "messages"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for name, text in entries.items():
            if section == "messages" and name == "program_name":
                continue
            found.append(_preview(f"{section}.{name}", str(text), values))
    return found


def _preview(path: str, template: str, values: dict) -> dict:
    for name, value in values.items():  # "a las 9:30 a.m." ends a sentence with one stop
        if str(value).endswith("."):
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    try:
        text = string.Formatter().vformat(template, (), _Blank(values))
    except (ValueError, IndexError, KeyError):
        text = template
    shown = text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1].rstrip() + "…"
    return {"path": path, "sender": SENDER, "shown": shown, "full": text}
