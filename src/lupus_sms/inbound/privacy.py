"""The privacy words: PRIVATE / PRIVADO, DETAILS / DETALLES, and FULL / COMPLETO.

PRIVATE and DETAILS set the number's privacy level (content/discreet.py): like its language,
it belongs to the number, for every clinic, and the change is a consent event for the
clinics the number consented to. FULL answers with the detailed form of the latest text
the clinic sent on its own; the level stays. None of them is a number (numbers pick menu
topics and check-in options) nor a carriers' word (STOP, HELP, INFO...), and no topic may
take them (content/schemas.py, RESERVED_WORDS). They run after the safety step, so a red
flag is always answered first, and before a check-in answer, so FULL reads the open
question in full rather than being taken for an answer.
"""

from __future__ import annotations

from lupus_sms.content.discreet import (
    FULL_WORDS,
    LEVEL_WORDS,
    PRIVACY_WORDS,
    discreet_text,
    for_privacy,
)
from lupus_sms.conversation.handlers import ACTIVE_STATUSES, record_consent
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.conversation.text import closest_word, compact, fuzzy_confidence
from lupus_sms.core.statuses import ConsentEventKind
from lupus_sms.scheduling.detail import detailed_form

FUZZY_WORDS = sorted(word for word in PRIVACY_WORDS if len(word) >= 6)


def handle_privacy(context: InboundContext) -> Reply | None:
    word = _typed_for(compact(context.normalised), context)
    if word in LEVEL_WORDS and context.phone_number is not None:
        return _set_level(context, LEVEL_WORDS[word])
    if word in FULL_WORDS:
        return _full(context)
    return None


def _typed_for(word: str, context: InboundContext) -> str:
    """The privacy word a one-edit typo of a long one stands for ("PRIVTE", "DETALES"), as
    topic keywords are read; never FULL (FELL, FALL are words of their own) nor a topic's."""
    if word in PRIVACY_WORDS or word in context.content.by_word:
        return word
    match = closest_word(word, FUZZY_WORDS)
    if match and match[1] == 1 and fuzzy_confidence(word, *match) == "sure":
        return match[0]
    return word


def _set_level(context: InboundContext, level: str) -> Reply:
    number = context.phone_number
    if number.privacy_level != level:
        number.privacy_level = level
        record_consent(
            context,
            kind=ConsentEventKind.PRIVACY,
            source="sms_keyword",
            statuses=ACTIVE_STATUSES,
            new_status=None,
            note=level,
            consented_only=True,
        )
    context.content = for_privacy(context.content, level)
    return Reply(discreet_text(context.content, f"privacy_{level}"), "privacy")


def _full(context: InboundContext) -> Reply:
    body = detailed_form(context.db, patient_id=context.message.patient_id, content=context.content)
    return Reply(body or discreet_text(context.content, "no_detail"), "detail")
