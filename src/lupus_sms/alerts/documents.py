"""Reading content/safety.yaml from the live content snapshot.

Compiled forms are cached per document object: the snapshot is immutable, so a new object
means new content, and the webhook never recompiles rules per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import phonenumbers

from lupus_sms.alerts.rules import SafetyRules, compile_rules
from lupus_sms.clinics.display_name import name_in_texts
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import fallback_clinic_name
from lupus_sms.content.snapshot import ContentSnapshot

DEFAULT_RENOTIFY_MINUTES = 30
DEFAULT_RETRY_SECONDS = (30, 60, 120, 300, 600, 1800)
DEFAULT_EXPIRE_DAYS = 14

_lock = threading.Lock()
_compiled: dict[int, tuple[object, SafetyRules]] = {}
MAX_CACHED_RULES = 4


def safety_document(content: ContentSnapshot) -> dict[str, Any]:
    return dict(content.documents.get("safety") or {})


def safety_rules(content: ContentSnapshot) -> SafetyRules:
    """The compiled red-flag rules of this content (the code floor alone if there is none)."""
    document = content.documents.get("safety") or {}
    with _lock:
        cached = _compiled.get(id(document))
        if cached is not None and cached[0] is document:
            return cached[1]
        rules = compile_rules(document)
        # One live snapshot at a time, one document per language (the same rules, as only
        # the replies are translated); old ones are not looked up again.
        if len(_compiled) >= MAX_CACHED_RULES:
            _compiled.clear()
        _compiled[id(document)] = (document, rules)
        return rules


def category_labels(content: ContentSnapshot) -> dict[str, str]:
    """Each red-flag category's label for people ("Breathing problem")."""
    flags = safety_document(content).get("red_flags") or {}
    return {name: str(entry.get("label") or name) for name, entry in flags.items() if entry}


def category_alerts(content: ContentSnapshot) -> dict[str, str]:
    """Each red-flag category's alert text for the clinic."""
    flags = safety_document(content).get("red_flags") or {}
    return {name: str(entry.get("alert") or "") for name, entry in flags.items() if entry}


def renotify_after(content: ContentSnapshot) -> timedelta:
    alerts = safety_document(content).get("alerts") or {}
    return timedelta(minutes=float(alerts.get("renotify_after_minutes", DEFAULT_RENOTIFY_MINUTES)))


def retry_delay(content: ContentSnapshot, attempts: int) -> timedelta:
    """The wait after `attempts` failed webhook attempts; the last step repeats forever."""
    alerts = safety_document(content).get("alerts") or {}
    delays = list(alerts.get("webhook_retry_seconds") or DEFAULT_RETRY_SECONDS)
    return timedelta(seconds=float(delays[min(max(attempts, 1), len(delays)) - 1]))


# How long a low-priority item (needs_review, no_response) waits before it expires. The
# setting is kept in another domain's document (`expire_after_days` in content/checkins.yaml,
# beside the no-response count it goes with), so that domain tells this one how to read it
# (`register_expiry`, at import of the checkins package) and alerts never reads that file.
ExpiryReader = Callable[[ContentSnapshot], timedelta]
_expiry_reader: ExpiryReader | None = None


def register_expiry(reader: ExpiryReader) -> None:
    global _expiry_reader
    _expiry_reader = reader


def expire_after(content: ContentSnapshot) -> timedelta:
    if _expiry_reader is None:
        return timedelta(days=DEFAULT_EXPIRE_DAYS)
    return _expiry_reader(content)


def safety_text(content: ContentSnapshot, name: str, **values: object) -> str:
    return str(safety_document(content)["replies"][name]).format(**values)


def clinic_values(clinics: list[Clinic], content: ContentSnapshot) -> dict[str, str]:
    """{clinic_name}, {urgent_phone}, {office_phone} for one clinic, or several joined. The
    name is the one texts from `content` carry: a discreet number reads the neutral display
    name, even in a safety reply (the reply stays explicit about what to do; the clinic's
    name adds nothing to that and may name the illness on a lock screen)."""
    return {
        "clinic_name": " or ".join(dict.fromkeys(_in_sentence(c, content) for c in clinics)),
        "urgent_phone": " or ".join(display_phone(c.urgent_phone) for c in clinics),
        "office_phone": " or ".join(display_phone(c.office_phone) for c in clinics),
    }


def _in_sentence(clinic: Clinic, content: ContentSnapshot) -> str:
    """The clinic's name inside a sentence: "Your care team" (no neutral name yet) reads
    "your care team" there ("Thank you, your care team will read this")."""
    name = name_in_texts(clinic, content)
    if content.discreet and name == fallback_clinic_name(content):
        return name[:1].lower() + name[1:]
    return name


def display_phone(e164: str) -> str:
    """A number as people dial it at home: +16175550199 -> (617) 555-0199."""
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
