"""The safety document (content/safety.yaml): its validator, which keeps the floor in code.

Admins may extend the red-flag terms, groups, near rules and context markers and lower the
fever threshold. They can never drop a category or a floor term (each must still be read as
its category by the document's own rules), raise the threshold above 38.0 C, drop 911, 988
or the urgent number from the replies, or save a change whose recall or false alarms on the
frozen held-out set fall below the bar (alerts/evaluation.py).
"""

from __future__ import annotations

from lupus_sms.alerts.evaluation import HELD_OUT, evaluate, load_cases, rules_decider
from lupus_sms.alerts.rules import (
    FLOOR_TERMS,
    FLOOR_THRESHOLD_C,
    SEVERITIES,
    compile_rules,
    read_text,
)
from lupus_sms.content.limits import LONG_VALUES, limit
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.segments import analyze
from lupus_sms.content.snapshot import register_document_save_check, register_document_validator

CLINIC = {"clinic_name", "urgent_phone"}
REPLY_RULES = {
    # name: (allowed placeholders, what it must contain, its size in content/limits.py)
    "red_flag": (CLINIC, ("911", "{urgent_phone}"), "safety_reply"),
    "red_flag_unknown": (set(), ("911",), "safety_reply"),
    "red_flag_critical": (CLINIC, ("911", "{urgent_phone}"), "safety_reply"),
    "red_flag_critical_unknown": (set(), ("911",), "safety_reply"),
    "self_harm": (CLINIC, ("988", "911"), "safety_reply"),
    "self_harm_unknown": (set(), ("988", "911"), "safety_reply"),
    # The reply to any other text from an enrolled patient: the way to a person.
    "safety_net": (CLINIC, ("{urgent_phone}", "911", "988"), "safety_net"),
}
_SAMPLE = LONG_VALUES
LOWEST_THRESHOLD_C = 37.0  # below this nearly every reading would alert
MAX_RENOTIFY_MINUTES = 240
MAX_RETRY_SECONDS = 3600
ON_CALL_PLACEHOLDERS = {"program_name", "clinic_name", "patient", "what", "severity"}


def validate_safety_document(document: object) -> list[str]:
    if not isinstance(document, dict):
        return ["must be a mapping"]
    problems = _threshold_problems(document)
    problems += _category_problems(document.get("red_flags"))
    problems += reply_problems(document.get("replies"), REPLY_RULES)
    problems += _alert_setting_problems(document.get("alerts"))
    if problems:
        return problems
    own_rules = compile_rules(document, with_floor=False)
    return list(own_rules.problems) + _floor_problems(own_rules)


def held_out_problems(document: object) -> list[str]:
    """Run on an admin's save: the rules of this document must keep the bar on the frozen
    held-out set (recall, self-harm recall, false alarms)."""
    if not isinstance(document, dict) or validate_safety_document(document):
        return []  # the plain validator has already said what is wrong
    report = evaluate(load_cases(HELD_OUT), rules_decider(compile_rules(document)))
    return [f"held-out evaluation: {problem}" for problem in report.problems()]


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


def _category_problems(red_flags: object) -> list[str]:
    if not isinstance(red_flags, dict):
        return ["red_flags must be a mapping of categories"]
    problems = []
    for category in FLOOR_TERMS:
        entry = red_flags.get(category)
        if not isinstance(entry, dict):
            problems.append(f"red_flags.{category}: the category is required (safety floor)")
            continue
        if entry.get("severity") not in SEVERITIES:
            problems.append(f"red_flags.{category}.severity must be one of {', '.join(SEVERITIES)}")
        for field in ("label", "alert"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                problems.append(f"red_flags.{category}.{field} is required")
        if not isinstance(entry.get("terms", []), list) or not isinstance(
            entry.get("near", []), list
        ):
            problems.append(f"red_flags.{category}: terms and near must be lists")
    return problems


def _floor_problems(own_rules) -> list[str]:
    """Every floor term must still be read as its category by the document's own rules."""
    problems = []
    for category, terms in FLOOR_TERMS.items():
        missing = [t for t in terms if category not in read_text(t, own_rules).categories]
        if missing:
            problems.append(f"red_flags.{category}: cannot stop reading floor term(s) {missing}")
    return problems


def reply_problems(replies: object, rules: dict) -> list[str]:
    """Each reply present, with only its placeholders, what it must say, and short enough."""
    if not isinstance(replies, dict):
        return ["replies must be a mapping"]
    problems = []
    for name, (allowed, required, size) in rules.items():
        text = replies.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"replies.{name} is missing")
            continue
        if unknown := placeholders_in(text) - allowed:
            problems.append(f"replies.{name}: unknown placeholder(s) {sorted(unknown)}")
            continue
        problems += [f"replies.{name} must mention {word}" for word in required if word not in text]
        if analyze(text.format(**_SAMPLE)).segments > limit(size):
            problems.append(f"replies.{name}: longer than {limit(size)} SMS segments")
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
    if sms is not None and (unknown := placeholders_in(str(sms)) - ON_CALL_PLACEHOLDERS):
        problems.append(f"alerts.on_call_sms: unknown placeholder(s) {sorted(unknown)}")
    return problems


register_document_validator("safety", validate_safety_document)
register_document_save_check("safety", held_out_problems)
