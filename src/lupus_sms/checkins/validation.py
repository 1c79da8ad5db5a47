"""The check-in document's validator (content/checkins.yaml), kept free of database imports
so it is registered whenever the checkins package is imported."""

from __future__ import annotations

from lupus_sms.alerts.rules import RED_FLAG_CATEGORIES
from lupus_sms.checkins.document import NAME
from lupus_sms.content.limits import (
    LONG_VALUES,
    ONE_CLINIC_VALUES,
    segments_over,
    sized_for_every_name,
)
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.snapshot import register_document_validator
from lupus_sms.content.wording import symptom_call_problem

CALM_MEANINGS = frozenset({"ok", "other_concern"})
KNOWN_MEANINGS = RED_FLAG_CATEGORIES | CALM_MEANINGS
QUESTION_PLACEHOLDERS = {"first_name", "clinic_name", "urgent_phone"}
REPLY_PLACEHOLDERS = {
    "ok_noted": {"clinic_name", "urgent_phone", "office_phone"},
    "temperature_noted": {"clinic_name", "urgent_phone", "office_phone", "temperature"},
    "reask": {"clinic_name", "urgent_phone", "office_phone"},
}
# A re-ask answers a text that was no answer: like every such reply, it names the way to a
# person (the safety net: the 24/7 line, 911, 988), within its limit.
MUST_MENTION = {"reask": ("{urgent_phone}", "911", "988")}


def validate_checkins_document(document: object) -> list[str]:
    """Known meanings, placeholders, GSM-7 questions within the check-in limit, replies
    present and within theirs, the 24/7 number wherever a text says to call about a symptom."""
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
        else:
            problems += reply_problems(f"replies.{name}", str(replies[name]))
    for name, words in MUST_MENTION.items():
        text = str(replies.get(name) or "")
        problems += [f"replies.{name} must mention {word}" for word in words if word not in text]
    return problems


def reply_problems(where: str, text: str) -> list[str]:
    """The answer to a check-in reply, filled in for up to two clinics (a shared sender)."""
    problems = []
    if problem := segments_over(text.format(**LONG_VALUES), "checkin_reply"):
        problems.append(f"{where}: {problem}")
    if problem := symptom_call_problem(text):
        problems.append(f"{where}: {problem}")
    return problems


def question_problems(where: str, question: str) -> list[str]:
    """A question as sent: GSM-7 and within the limit with the longest names; the 24/7
    number where it says to call about a symptom."""
    problems = sized_for_every_name(where, question, ONE_CLINIC_VALUES, kind="checkin_question")
    if problem := symptom_call_problem(question):
        problems.append(f"{where}: {problem}")
    return problems


def _validate_checkin(key: str, entry: object) -> list[str]:
    if not isinstance(entry, dict) or "question" not in entry:
        return [f"{key}: needs a question"]
    problems = []
    question = str(entry["question"])
    if unknown := placeholders_in(question) - QUESTION_PLACEHOLDERS:
        problems.append(f"{key}: unknown placeholder(s) {sorted(unknown)}")
    else:
        problems += question_problems(key, question)
    if not isinstance(entry.get("protocol", False), bool):
        problems.append(f"{key}: protocol is true or false")
    for number, option in (entry.get("options") or {}).items():
        meaning = (option or {}).get("meaning")
        if not str(number).isdigit():
            problems.append(f"{key}: option {number!r} must be a number")
        if meaning not in KNOWN_MEANINGS:
            problems.append(f"{key} option {number}: unknown meaning {meaning!r}")
    if not entry.get("options") and entry.get("expects") != "temperature":
        problems.append(f"{key}: needs options or `expects: temperature`")
    return problems


register_document_validator(NAME, validate_checkins_document)
