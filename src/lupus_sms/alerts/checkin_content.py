"""The check-ins document (content/checkins.yaml): its validator, kept free of database imports
so it can be registered whenever the alerts package is imported."""

from __future__ import annotations

from lupus_sms.alerts.rules import RED_FLAG_CATEGORIES
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.segments import analyze
from lupus_sms.content.snapshot import register_document_validator

CALM_MEANINGS = frozenset({"ok", "other_concern"})
KNOWN_MEANINGS = RED_FLAG_CATEGORIES | CALM_MEANINGS
QUESTION_PLACEHOLDERS = {"first_name", "clinic_name"}
REPLY_PLACEHOLDERS = {
    "ok_noted": {"clinic_name", "urgent_phone", "office_phone"},
    "temperature_noted": {"clinic_name", "urgent_phone", "office_phone", "temperature"},
    "reask": {"clinic_name", "urgent_phone", "office_phone"},
}
# A re-ask answers a text that was no answer: like every such reply, it names the way to a
# person (the safety net: the 24/7 line, 911, 988), within two segments.
MUST_MENTION = {"reask": ("{urgent_phone}", "911", "988")}
MAX_REPLY_SEGMENTS = 2
_REPLY_SAMPLE = {
    "clinic_name": "X" * 40,
    "urgent_phone": "(617) 555-0199",
    "office_phone": "(617) 555-0100",
}
MAX_QUESTION_SEGMENTS = 2
# Question templates are measured with long stand-ins so a real name never tips them over.
_SAMPLE_VALUES = {"first_name": "Alexandrina", "clinic_name": "X" * 40}


def validate_checkins_document(document: object) -> list[str]:
    """Known meanings, placeholders, GSM-7 questions of at most two segments, replies present."""
    if not isinstance(document, dict):
        return ["must be a mapping with a `checkins` section"]
    problems: list[str] = []
    for key, entry in (document.get("checkins") or {}).items():
        problems += _validate_checkin(str(key), entry)
    replies = document.get("replies") or {}
    for name, allowed in REPLY_PLACEHOLDERS.items():
        if name not in replies:
            problems.append(f"replies.{name} is missing")
        elif unknown := placeholders_in(str(replies[name])) - allowed:
            problems.append(f"replies.{name}: unknown placeholder(s) {sorted(unknown)}")
    for name, words in MUST_MENTION.items():
        text = str(replies.get(name) or "")
        problems += [f"replies.{name} must mention {word}" for word in words if word not in text]
        sample = {**_REPLY_SAMPLE, "temperature": "38.5 C"}
        if text and analyze(text.format(**sample)).segments > MAX_REPLY_SEGMENTS:
            problems.append(f"replies.{name}: longer than {MAX_REPLY_SEGMENTS} SMS segments")
    return problems


def _validate_checkin(key: str, entry: object) -> list[str]:
    if not isinstance(entry, dict) or "question" not in entry:
        return [f"{key}: needs a question"]
    problems = []
    question = str(entry["question"])
    if unknown := placeholders_in(question) - QUESTION_PLACEHOLDERS:
        problems.append(f"{key}: unknown placeholder(s) {sorted(unknown)}")
    else:
        info = analyze(question.format(**_SAMPLE_VALUES))
        if info.encoding != "GSM-7" or info.segments > MAX_QUESTION_SEGMENTS:
            problems.append(f"{key}: the question must be GSM-7 and at most 2 segments")
    for number, option in (entry.get("options") or {}).items():
        meaning = (option or {}).get("meaning")
        if not str(number).isdigit():
            problems.append(f"{key}: option {number!r} must be a number")
        if meaning not in KNOWN_MEANINGS:
            problems.append(f"{key} option {number}: unknown meaning {meaning!r}")
    if not entry.get("options") and entry.get("expects") != "temperature":
        problems.append(f"{key}: needs options or `expects: temperature`")
    return problems


register_document_validator("checkins", validate_checkins_document)
