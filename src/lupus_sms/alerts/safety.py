"""The safety document (content/safety.yaml): its validator, which keeps the floor in code.

Admins may extend the red-flag terms and lower the fever threshold; they can never remove a
floor term, raise the threshold above 38.0 C, drop 911 or 988 from the replies, or save a
change that breaks the red-flag test corpus.
"""

from __future__ import annotations

from lupus_sms.alerts.corpus import failures
from lupus_sms.alerts.rules import FLOOR_TERMS, FLOOR_THRESHOLD_C, compile_rules, plain_words
from lupus_sms.content.limits import LONG_VALUES, limit
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.segments import analyze
from lupus_sms.content.snapshot import register_document_validator

REPLY_RULES = {
    # name: (allowed placeholders, words it must contain)
    "red_flag": ({"clinic_name", "urgent_phone"}, ("911",)),
    "red_flag_unknown": (set(), ("911",)),
    "self_harm": ({"clinic_name", "urgent_phone"}, ("988", "911")),
    "self_harm_unknown": (set(), ("988", "911")),
}
_SAMPLE = LONG_VALUES
LOWEST_THRESHOLD_C = 37.0  # below this nearly every reading would alert
MAX_RENOTIFY_MINUTES = 240
MAX_RETRY_SECONDS = 3600


def validate_safety_document(document: object) -> list[str]:
    if not isinstance(document, dict):
        return ["must be a mapping"]
    problems = _threshold_problems(document)
    problems += _floor_problems(document.get("red_flags"))
    problems += _reply_problems(document.get("replies"))
    problems += _alert_setting_problems(document.get("alerts"))
    if not problems:
        problems += [f"red-flag corpus: {line}" for line in failures(compile_rules(document))]
    return problems


def _threshold_problems(document: dict) -> list[str]:
    try:
        threshold = float(document.get("fever_threshold_c", FLOOR_THRESHOLD_C))
    except (TypeError, ValueError):
        return ["fever_threshold_c must be a number"]
    if threshold > FLOOR_THRESHOLD_C:
        return [f"fever_threshold_c cannot be above {FLOOR_THRESHOLD_C} C (the safety floor)"]
    if threshold < LOWEST_THRESHOLD_C:
        return [f"fever_threshold_c below {LOWEST_THRESHOLD_C} C would alert on normal readings"]
    return []


def _floor_problems(red_flags: object) -> list[str]:
    if not isinstance(red_flags, dict):
        return ["red_flags must be a mapping of categories to terms"]
    problems = []
    for category, floor in FLOOR_TERMS.items():
        entry = red_flags.get(category)
        terms = entry.get("terms") if isinstance(entry, dict) else None
        if not isinstance(terms, list):
            problems.append(f"red_flags.{category}: the category is required (safety floor)")
            continue
        present = {tuple(plain_words(str(term))) for term in terms}
        missing = [term for term in floor if tuple(plain_words(term)) not in present]
        if missing:
            problems.append(f"red_flags.{category}: cannot remove floor term(s) {missing}")
    return problems


def _reply_problems(replies: object) -> list[str]:
    if not isinstance(replies, dict):
        return ["replies must be a mapping"]
    problems = []
    for name, (allowed, required) in REPLY_RULES.items():
        text = replies.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"replies.{name} is missing")
            continue
        if unknown := placeholders_in(text) - allowed:
            problems.append(f"replies.{name}: unknown placeholder(s) {sorted(unknown)}")
            continue
        problems += [f"replies.{name} must mention {word}" for word in required if word not in text]
        if analyze(text.format(**_SAMPLE)).segments > limit("safety_reply"):
            problems.append(f"replies.{name}: longer than {limit('safety_reply')} SMS segments")
    return problems


def _alert_setting_problems(alerts: object) -> list[str]:
    if alerts is None:
        return []
    if not isinstance(alerts, dict):
        return ["alerts must be a mapping"]
    problems = []
    minutes = alerts.get("renotify_after_minutes", 30)
    if not isinstance(minutes, int | float) or not 1 <= minutes <= MAX_RENOTIFY_MINUTES:
        problems.append(f"alerts.renotify_after_minutes must be 1 to {MAX_RENOTIFY_MINUTES}")
    delays = alerts.get("webhook_retry_seconds", [30])
    if (
        not isinstance(delays, list)
        or not delays
        or not all(isinstance(d, int | float) and 1 <= d <= MAX_RETRY_SECONDS for d in delays)
    ):
        problems.append(f"alerts.webhook_retry_seconds must list waits of 1 to {MAX_RETRY_SECONDS}")
    sms = alerts.get("on_call_sms")
    allowed = {"program_name", "clinic_name", "patient", "what"}
    if sms is not None and (unknown := placeholders_in(str(sms)) - allowed):
        problems.append(f"alerts.on_call_sms: unknown placeholder(s) {sorted(unknown)}")
    return problems


register_document_validator("safety", validate_safety_document)
