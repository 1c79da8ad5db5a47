"""The answer to a text that could not be stored because the database is down or too slow.

Nothing here touches the database: the answer comes from the red-flag rules being served
(held in memory; those of the shipped content/ files before any were served, the floor kept
in code if even those fail) and from fixed texts. The text itself is spooled
(inbound/spool.py) and goes through the full inbound order once the database is back; that
run opens any alert and queues the real answer.

  a red flag                 a safety text at once: urgent line, 911, and 988 for self-harm
                             (also inside a wish to stop; a bare STOP is only a STOP)
  opt-out words and wishes   nothing now (Twilio confirms STOP; our confirmation follows)
  anything else              "we got your message", with 911 for emergencies

A text written in Spanish is answered in Spanish, as the red-flag replies are (the wording
of content/es/safety.yaml's replies for a number of no known clinic).
"""

from __future__ import annotations

import logging
from functools import lru_cache

from lupus_sms.conversation.compliance import OPT_OUT_WORDS, is_opt_out_wish
from lupus_sms.conversation.language import text_language
from lupus_sms.conversation.pipeline import Reply
from lupus_sms.conversation.text import normalise

logger = logging.getLogger(__name__)

SAFETY = "safety"
RECEIVED_TEXT = (
    "We got your message but cannot answer right now; we will reply as soon as we can. "
    "If this is an emergency, call 911. Reply STOP to opt out."
)
SAFETY_TEXT = (
    "Your message may describe an urgent problem. Call your care team's urgent line now. "
    "If this is an emergency, call 911."
)
SELF_HARM_TEXT = (
    "If you are thinking about hurting yourself, call or text 988 now (Suicide & Crisis "
    "Lifeline), or call 911. You are not alone."
)
IN_SPANISH = {
    RECEIVED_TEXT: (
        "Recibimos su mensaje pero no podemos responder ahora; le responderemos lo antes "
        "posible. En una emergencia llame al 911. Responda STOP para no recibir mensajes."
    ),
    SAFETY_TEXT: (
        "URGENTE: Su mensaje puede describir un problema urgente. Llame ya a la linea "
        "urgente de su equipo de atencion medica. En una emergencia llame al 911."
    ),
    SELF_HARM_TEXT: (
        "Usted importa. Llame al 988 y marque 2 para hablar en español, o envie AYUDA por "
        "texto al 988 (Linea de Prevencion del Suicidio y Crisis). Emergencia: 911."
    ),
}


def degraded_reply(body: str, opt_out_type: str | None = None) -> Reply:
    """The reply policy while nothing can be stored; see the module docstring."""
    word = normalise(body)
    twilio_stop = (opt_out_type or "").upper() == "STOP"
    # A red flag wins over a wish to stop ("stop texting me, I want to die"), not over STOP.
    categories = () if twilio_stop or word in OPT_OUT_WORDS else red_flag_categories(body)
    if "self_harm" in categories:
        return Reply(_written_as(body, SELF_HARM_TEXT), SAFETY, exempt_from_limits=True)
    if categories:
        return Reply(_written_as(body, SAFETY_TEXT), SAFETY, exempt_from_limits=True)
    if twilio_stop or word in OPT_OUT_WORDS or is_opt_out_wish(word):
        return Reply(None, "opt_out", exempt_from_limits=True)
    return Reply(_written_as(body, RECEIVED_TEXT), "degraded")


def _written_as(body: str, text: str) -> str:
    """`text` in the language `body` is written in (English when unclear)."""
    try:
        from lupus_sms.alerts.rules import plain_words

        spanish = text_language(plain_words(body)) == "es"
    except Exception:  # the answer must go out, in English if need be
        logger.exception("the language of a spooled text could not be told")
        spanish = False
    return IN_SPANISH[text] if spanish else text


def red_flag_categories(body: str) -> tuple[str, ...]:
    """The red-flag categories the rules find in `body` (none if no rules can be had)."""
    rules = _rules()
    if rules is None:
        return ()
    from lupus_sms.alerts.rules import read_text

    try:
        return read_text(body, rules).categories
    except Exception:  # the safety net must not take the webhook down with it
        logger.exception("red-flag rules failed on a spooled text; answering without them")
        return ()


def _rules():
    """The red-flag rules being served (kept in memory, the database is not asked), else
    those of content/ on disk, else the floor kept in code; None if none compiles. The floor
    alone misses most of what patients write ("I want to die", "dolor en el pecho")."""
    try:
        from lupus_sms.alerts.documents import safety_rules
        from lupus_sms.content.service import served_content

        served = served_content()
        if served is not None:
            return safety_rules(served)
    except Exception:
        logger.exception("the served red-flag rules are unavailable for the degraded reply")
    return _shipped_rules() or _floor_rules()


@lru_cache(maxsize=1)
def _shipped_rules():
    """The rules of the content/ files shipped with the service (read once), or None."""
    try:
        from lupus_sms.alerts.documents import safety_rules
        from lupus_sms.content.loader import load_content_dir
        from lupus_sms.core.config import get_settings

        return safety_rules(load_content_dir(get_settings().content_dir))
    except Exception:  # the floor still reads the commonest red flags
        logger.exception("content/'s red-flag rules unavailable for the degraded reply")
        return None


@lru_cache(maxsize=1)
def _floor_rules():
    """The floor of the red-flag rules (compiled from no content document), or None."""
    try:
        from lupus_sms.alerts.rules import compile_rules

        return compile_rules({})
    except Exception:  # without the rules the generic answer still names 911
        logger.exception("red-flag rules unavailable for the degraded reply")
        return None
