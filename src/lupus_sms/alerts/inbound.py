"""The alert domain's steps of the inbound order (inbound/order.py):

  safety           a red flag: the safety reply at once (911 first for critical categories,
                   988 for self-harm), an alert with its category and severity for every
                   clinic concerned
  review           an enrolled patient's text nobody could answer goes to the clinic, with
                   the safety-net reply (urgent number, 911, 988); symptom-like words that
                   fall short of a red flag make it a high-priority item

  red_flag_opt_out (before compliance) a wish to stop that carries a red flag: both at once

A red flag that answers an open check-in is stored as that answer by the check-in domain:
the inbound order hands the two red-flag steps its `record_answer` (checkins/inbound.py), so
this module knows nothing of check-ins but the key an alert names.

The bot never diagnoses, never tells a patient they are fine and never suggests changing
medication: every acknowledgement points back to the care team.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lupus_sms.alerts import documents, service
from lupus_sms.alerts.rules import Reading, plain_words, read_text
from lupus_sms.alerts.service import Target
from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.compliance import OPT_OUT_WORDS, is_opt_out_wish
from lupus_sms.conversation.handlers import opt_out
from lupus_sms.conversation.language import text_language
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.core.phones import mask_phone

logger = logging.getLogger(__name__)
# Stores a red flag as the answer to the check-in it answers, if one is open; its key or None.
RecordAnswer = Callable[[InboundContext], str | None]


def handle_safety(context: InboundContext, *, record_answer: RecordAnswer) -> Reply | None:
    """A red flag, at any hour, answered or not by SMS: the clinic is alerted regardless."""
    reading = _reading(context)
    if not reading.red_flag:
        return None
    body = _raise_red_flag(context, reading, record_answer)
    return Reply(body, "safety", exempt_from_limits=True)


def is_red_flag(context: InboundContext) -> bool:
    """For the steps after safety: whether this text carries a red flag."""
    return _reading(context).red_flag


def handle_red_flag_opt_out(
    context: InboundContext, *, record_answer: RecordAnswer
) -> Reply | None:
    """Runs before compliance: "stop texting me, I want to die" is a wish to stop AND a red flag.

    The number is opted out as compliance would, the clinic is alerted, and the one text an
    opt-out still allows (its confirmation) carries the safety reply first.
    """
    if context.normalised in OPT_OUT_WORDS or not is_opt_out_wish(context.normalised):
        return None
    reading = _reading(context)
    if not reading.red_flag:
        return None
    opt_out(context, source="sms_request")
    safety_reply = _raise_red_flag(context, reading, record_answer)
    body = f"{safety_reply} {context.content.text('opt_out_confirmation')}"
    return Reply(body, "safety", exempt_from_limits=True, confirms_opt_out=True)


def _reading(context: InboundContext) -> Reading:
    """The text's red-flag reading, read once (red-flag opt-out, safety and review ask)."""
    if context.safety_reading is None:
        rules = documents.safety_rules(context.content)
        context.safety_reading = _read(context.body, rules, tuple(context.meanings))
    return context.safety_reading


# Keywords and short answers ("AHSCT", "MORE", "1") come from every patient, and reading them
# was a fifth of a keyword's cost: their reading is worked out once per set of rules. Only
# short texts: longer ones rarely repeat, and patients' sentences are not kept in memory.
CACHED_READING_CHARS = 24
MAX_CACHED_READINGS = 4096
_readings: dict[tuple, tuple[object, Reading]] = {}


def _read(body: str, rules, meanings: tuple[str, ...]) -> Reading:
    if len(body) > CACHED_READING_CHARS:
        return read_text(body, rules, meanings=meanings)
    key = (id(rules), body, meanings)
    found = _readings.get(key)
    if found is not None and found[0] is rules:  # not another rules object at the same id
        return found[1]
    reading = read_text(body, rules, meanings=meanings)
    if len(_readings) >= MAX_CACHED_READINGS:
        _readings.clear()
    _readings[key] = (rules, reading)
    return reading


def _raise_red_flag(context: InboundContext, reading: Reading, record_answer: RecordAnswer) -> str:
    """Alert every clinic concerned, store a check-in answer if one is open; the reply text."""
    targets = service.alert_targets(
        context.db,
        phone_number=context.phone_number,
        clinic_id=context.message.clinic_id,
        red_flag=True,
    )
    checkin_key = record_answer(context)
    severity = _severity(context, reading)
    for target in targets:
        service.open_alert(
            context.db,
            target=target,
            kind="red_flag",
            now=context.now,
            content=context.content,
            severity=severity,
            text=context.body,
            categories=reading.categories,
            message=context.message,
            checkin_key=checkin_key,
        )
    logger.warning(
        "red flag (%s) from %s: %d alert(s)",
        ",".join(reading.categories),
        mask_phone(context.message.phone),
        len(targets),
    )
    return _safety_reply(context, reading, _clinics(_nameable(context, targets)))


def _nameable(context: InboundContext, targets: list[Target]) -> list[Target]:
    """The targets a reply may name: clinics the number consented to, never one whose
    invitation it has not accepted (the reply is in the consented clinics' records). With
    none, a text to a clinic's own number may be given that clinic's line, whether it invited
    the number or never heard of it: the addressee is no news to the sender, and a person in
    danger needs a number to call."""
    consented = [t for t in targets if t.patient is not None and t.patient.consented]
    if consented:
        return consented
    addressed = context.sender.clinic_id if context.sender is not None else None
    return [t for t in targets if t.patient is None or t.clinic.id == addressed]


def _severity(context: InboundContext, reading: Reading) -> str:
    severities = documents.safety_rules(context.content).severity
    found = {severities.get(category, "urgent") for category in reading.categories}
    return "critical" if "critical" in found else "urgent"


def _safety_reply(context: InboundContext, reading: Reading, clinics: list[Clinic]) -> str:
    """988 for self-harm; 911 first when a category may be life-threatening within minutes;
    otherwise the care team's 24/7 line first. In the language the text was written in."""
    name = "red_flag"
    if reading.self_harm:
        name = "self_harm"
    elif _severity(context, reading) == "critical":
        name = "red_flag_critical"
    content = _answering(context)
    if not clinics:
        return documents.safety_text(content, f"{name}_unknown")
    values = documents.clinic_values(clinics, content)
    return documents.safety_text(
        content, name, clinic_name=values["clinic_name"], urgent_phone=values["urgent_phone"]
    )


def _answering(context: InboundContext):
    """A safety answer must be understood: a text written in Spanish is answered in Spanish
    (and one in English in English), whatever the number's language."""
    written = text_language(plain_words(context.body))
    return context.content.for_language(written) if written else context.content


def handle_review(context: InboundContext) -> Reply | None:
    """An enrolled patient's text that nothing above could answer reaches their clinic, and
    the patient gets the safety net: the urgent line, 911 and 988, in two parts at most."""
    targets = [
        target
        for target in service.alert_targets(
            context.db, phone_number=context.phone_number, clinic_id=context.message.clinic_id
        )
        if target.patient is not None
    ]
    if not targets:
        return None  # an unknown number gets the hint
    open_reviews(context, targets, None)
    return Reply(safety_net_text(context, _clinics(targets)), "review")


def safety_net_text(context: InboundContext, clinics: list[Clinic]) -> str:
    content = _answering(context)
    return documents.safety_text(content, "safety_net", **documents.clinic_values(clinics, content))


def open_reviews(context: InboundContext, targets: list[Target], checkin_key: str | None) -> None:
    """Symptom-like words short of a red flag ("my back hurts", "something is wrong") make
    the item high priority: re-notified like a red flag until someone acknowledges it."""
    severity = "high" if _reading(context).concern else "routine"
    for target in targets:
        service.open_alert(
            context.db,
            target=target,
            kind="needs_review",
            now=context.now,
            content=context.content,
            severity=severity,
            text=context.body,
            message=context.message,
            checkin_key=checkin_key,
        )


def _clinics(targets: list[Target]) -> list[Clinic]:
    unique: dict[int, Clinic] = {}
    for target in targets:
        unique.setdefault(target.clinic.id, target.clinic)
    return list(unique.values())
