"""The alert domain's steps of the inbound order (conversation/inbound_order.py):

  checkin_context  an open check-in maps "2" to its meaning (fever) for the safety rules
  safety           a red flag: the safety reply at once (911 first for critical categories,
                   988 for self-harm), an alert with its category and severity for every
                   clinic concerned
  checkin_answer   an answer is stored and acknowledged; an unclear one is re-asked once
  review           an enrolled patient's text nobody could answer goes to the clinic, with
                   the safety-net reply (urgent number, 911, 988); symptom-like words that
                   fall short of a red flag make it a high-priority item

  red_flag_opt_out (before compliance) a wish to stop that carries a red flag: both at once

The bot never diagnoses, never tells a patient they are fine and never suggests changing
medication: every acknowledgement points back to the care team.
"""

from __future__ import annotations

import logging

from lupus_sms.alerts import checkins, documents, service
from lupus_sms.alerts.checkins import Answer, OpenCheckin
from lupus_sms.alerts.rules import Reading, plain_words, read_text
from lupus_sms.alerts.service import Target
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.schemas import RESERVED_WORDS
from lupus_sms.conversation.compliance import OPT_OUT_WORDS, is_opt_out_wish
from lupus_sms.conversation.handlers import opt_out
from lupus_sms.conversation.language import MENU_WORDS, MORE_WORDS, SWITCH_WORDS, text_language
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.conversation.text import compact
from lupus_sms.core.phones import mask_phone

logger = logging.getLogger(__name__)
NAVIGATION_WORDS = MENU_WORDS | MORE_WORDS | frozenset(SWITCH_WORDS)


def handle_checkin_context(context: InboundContext) -> Reply | None:
    """Never replies: it only tells the safety rules what an answer means."""
    open_checkin = checkins.find_open_checkin(context)
    if open_checkin is None:
        return None
    answer = checkins.read_answer(open_checkin.checkin, context.body)
    if answer is None:
        return None
    if answer.meaning:
        context.meanings.append(answer.meaning)
    threshold = documents.safety_rules(context.content).threshold_c
    if answer.temperature is not None and answer.temperature.celsius >= threshold:
        context.meanings.append("fever")
    return None


def handle_safety(context: InboundContext) -> Reply | None:
    """A red flag, at any hour, answered or not by SMS: the clinic is alerted regardless."""
    reading = _reading(context)
    if not reading.red_flag:
        return None
    return Reply(_raise_red_flag(context, reading), "safety", exempt_from_limits=True)


def is_red_flag(context: InboundContext) -> bool:
    """For the steps after safety: whether this text carries a red flag."""
    return _reading(context).red_flag


def handle_red_flag_opt_out(context: InboundContext) -> Reply | None:
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
    body = f"{_raise_red_flag(context, reading)} {context.content.text('opt_out_confirmation')}"
    return Reply(body, "safety", exempt_from_limits=True, confirms_opt_out=True)


def _reading(context: InboundContext) -> Reading:
    """The text's red-flag reading, read once (red-flag opt-out, safety and review ask)."""
    if context.safety_reading is None:
        rules = documents.safety_rules(context.content)
        context.safety_reading = read_text(context.body, rules, meanings=context.meanings)
    return context.safety_reading


def _raise_red_flag(context: InboundContext, reading: Reading) -> str:
    """Alert every clinic concerned, store a check-in answer if one is open; the reply text."""
    targets = service.alert_targets(
        context.db,
        phone_number=context.phone_number,
        clinic_id=context.message.clinic_id,
        red_flag=True,
    )
    open_checkin = checkins.find_open_checkin(context)
    if open_checkin is not None:
        answer = checkins.read_answer(open_checkin.checkin, context.body)
        checkins.record_answer(context, open_checkin, answer, red_flag=True)
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
            checkin_key=open_checkin.checkin.key if open_checkin else None,
        )
    logger.warning(
        "red flag (%s) from %s: %d alert(s)",
        ",".join(reading.categories),
        mask_phone(context.message.phone),
        len(targets),
    )
    return _safety_reply(context, reading, _clinics(_nameable(targets)))


def _nameable(targets: list[Target]) -> list[Target]:
    """The targets a reply may name: clinics the number consented to, never one whose
    invitation it has not accepted. A number no clinic enrolled that wrote to a clinic's own
    number may be given that clinic's line: the addressee is no news to the sender."""
    consented = [t for t in targets if t.patient is not None and t.patient.consented]
    return consented or [t for t in targets if t.patient is None]


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
    values = documents.clinic_values(clinics)
    return documents.safety_text(
        content, name, clinic_name=values["clinic_name"], urgent_phone=values["urgent_phone"]
    )


def _answering(context: InboundContext):
    """A safety answer must be understood: a text written in Spanish is answered in Spanish
    (and one in English in English), whatever the number's language."""
    written = text_language(plain_words(context.body))
    return context.content.for_language(written) if written else context.content


def handle_checkin_answer(context: InboundContext) -> Reply | None:
    """Store and acknowledge an answer; re-ask an unclear one once; let keywords through."""
    open_checkin = checkins.find_open_checkin(context)
    if open_checkin is None:
        return None
    answer = checkins.read_answer(open_checkin.checkin, context.body)
    if answer is not None:
        checkins.record_answer(context, open_checkin, answer)
        return _acknowledge(context, open_checkin, answer)
    if _is_reserved(context) or _is_keyword(context) or _is_free_text(context):
        return None  # keywords still work; a sentence goes on to the clinic as needs-review
    reasked = checkins.was_reasked(context, open_checkin)
    checkins.record_answer(context, open_checkin, None)
    if reasked:  # one re-ask, never a loop; and a number is still not a menu topic
        return handle_review(context)
    return Reply(_checkin_text(context, "reask", [open_checkin]), "checkin_reask")


def _acknowledge(context: InboundContext, open_checkin: OpenCheckin, answer: Answer) -> Reply:
    if answer.meaning == "other_concern":
        clinic = context.db.get(Clinic, open_checkin.patient.clinic_id)
        _open_reviews(context, [Target(clinic, open_checkin.patient)], open_checkin.checkin.key)
        return Reply(safety_net_text(context, [clinic]), "review")
    if answer.temperature is not None:
        body = _checkin_text(
            context, "temperature_noted", [open_checkin], temperature=answer.temperature.describe()
        )
        return Reply(body, "checkin_answer")
    return Reply(_checkin_text(context, "ok_noted", [open_checkin]), "checkin_answer")


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
    _open_reviews(context, targets, None)
    return Reply(safety_net_text(context, _clinics(targets)), "review")


def safety_net_text(context: InboundContext, clinics: list[Clinic]) -> str:
    values = documents.clinic_values(clinics)
    return documents.safety_text(_answering(context), "safety_net", **values)


def _open_reviews(context: InboundContext, targets: list[Target], checkin_key: str | None) -> None:
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


def _checkin_text(context, name: str, open_checkins: list[OpenCheckin], **extra) -> str:
    clinics = [context.db.get(Clinic, oc.patient.clinic_id) for oc in open_checkins]
    return documents.checkin_text(
        context.content, name, **documents.clinic_values(clinics), **extra
    )


def _clinics(targets: list[Target]) -> list[Clinic]:
    unique: dict[int, Clinic] = {}
    for target in targets:
        unique.setdefault(target.clinic.id, target.clinic)
    return list(unique.values())


def _is_reserved(context: InboundContext) -> bool:
    """YES for a pending consent, START, HELP...: never an unclear check-in answer."""
    return context.opted_in_now or compact(context.normalised) in RESERVED_WORDS


def _is_keyword(context: InboundContext) -> bool:
    word = compact(context.normalised)
    return word in NAVIGATION_WORDS or (not word.isdigit() and word in context.content.by_word)


def _is_free_text(context: InboundContext) -> bool:
    """A sentence ("call me", "back in hospital") is a message, not a garbled answer."""
    return len([w for w in context.normalised.split(" ") if w.isalpha()]) >= 2
