"""The check-in domain's steps of the inbound order (inbound/order.py):

  checkin_context  an open check-in maps "2" to its meaning (fever) for the safety rules
  checkin_answer   an answer is stored and acknowledged; an unclear one is re-asked once

and `record_red_flag_answer`, which the inbound order hands to the alert domain's red-flag
steps: a red flag that answers an open check-in is stored as its answer. Check-ins raise
alerts through the alerts package; alerts never imports this one.

The bot never diagnoses, never tells a patient they are fine and never suggests changing
medication: every acknowledgement points back to the care team.
"""

from __future__ import annotations

from lupus_sms.alerts import documents as alert_documents
from lupus_sms.alerts.inbound import handle_review, open_reviews, safety_net_text
from lupus_sms.alerts.service import Target
from lupus_sms.checkins import answers
from lupus_sms.checkins.answers import Answer, OpenCheckin
from lupus_sms.checkins.document import reply_text
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.schemas import RESERVED_WORDS
from lupus_sms.conversation.language import MENU_WORDS, MORE_WORDS, SWITCH_WORDS
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.conversation.text import compact

NAVIGATION_WORDS = MENU_WORDS | MORE_WORDS | frozenset(SWITCH_WORDS)


def handle_checkin_context(context: InboundContext) -> Reply | None:
    """Never replies: it only tells the safety rules what an answer means."""
    open_checkin = answers.find_open_checkin(context)
    if open_checkin is None:
        return None
    answer = answers.read_answer(open_checkin.checkin, context.body)
    if answer is None:
        return None
    if answer.meaning:
        context.meanings.append(answer.meaning)
    threshold = alert_documents.safety_rules(context.content).threshold_c
    if answer.temperature is not None and answer.temperature.celsius >= threshold:
        context.meanings.append("fever")
    return None


def record_red_flag_answer(context: InboundContext) -> str | None:
    """A red flag that replies to an open check-in is its answer: stored, and its key named
    in the alert. None when no check-in is open."""
    open_checkin = answers.find_open_checkin(context)
    if open_checkin is None:
        return None
    answer = answers.read_answer(open_checkin.checkin, context.body)
    answers.record_answer(context, open_checkin, answer, red_flag=True)
    return open_checkin.checkin.key


def handle_checkin_answer(context: InboundContext) -> Reply | None:
    """Store and acknowledge an answer; re-ask an unclear one once; let keywords through."""
    open_checkin = answers.find_open_checkin(context)
    if open_checkin is None:
        return None
    answer = answers.read_answer(open_checkin.checkin, context.body)
    if answer is not None:
        answers.record_answer(context, open_checkin, answer)
        return _acknowledge(context, open_checkin, answer)
    if _is_reserved(context) or _is_keyword(context) or _is_free_text(context):
        return None  # keywords still work; a sentence goes on to the clinic as needs-review
    reasked = answers.was_reasked(context, open_checkin)
    answers.record_answer(context, open_checkin, None)
    if reasked:  # one re-ask, never a loop; and a number is still not a menu topic
        return handle_review(context)
    return Reply(_checkin_text(context, "reask", [open_checkin]), "checkin_reask")


def _acknowledge(context: InboundContext, open_checkin: OpenCheckin, answer: Answer) -> Reply:
    if answer.meaning == "other_concern":
        clinic = context.db.get(Clinic, open_checkin.patient.clinic_id)
        open_reviews(context, [Target(clinic, open_checkin.patient)], open_checkin.checkin.key)
        return Reply(safety_net_text(context, [clinic]), "review")
    if answer.temperature is not None:
        body = _checkin_text(
            context, "temperature_noted", [open_checkin], temperature=answer.temperature.describe()
        )
        return Reply(body, "checkin_answer")
    return Reply(_checkin_text(context, "ok_noted", [open_checkin]), "checkin_answer")


def _checkin_text(context, name: str, open_checkins: list[OpenCheckin], **extra) -> str:
    clinics = [context.db.get(Clinic, oc.patient.clinic_id) for oc in open_checkins]
    return reply_text(
        context.content, name, **alert_documents.clinic_values(clinics, context.content), **extra
    )


def _is_reserved(context: InboundContext) -> bool:
    """YES for a pending consent, START, HELP...: never an unclear check-in answer."""
    return context.opted_in_now or compact(context.normalised) in RESERVED_WORDS


def _is_keyword(context: InboundContext) -> bool:
    word = compact(context.normalised)
    return word in NAVIGATION_WORDS or (not word.isdigit() and word in context.content.by_word)


def _is_free_text(context: InboundContext) -> bool:
    """A sentence ("call me", "back in hospital") is a message, not a garbled answer."""
    return len([w for w in context.normalised.split(" ") if w.isalpha()]) >= 2
