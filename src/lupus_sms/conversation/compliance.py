"""Carrier compliance words (as Twilio matches them) and clear wishes to stop in longer texts.

Twilio matches its keywords only when the message is that word alone. The FCC's 2025
revocation rule also counts a clear request in other words ("please stop texting me"); a text
that merely contains the word ("stop the pain") is not one.
"""

from __future__ import annotations

import re

from lupus_sms.conversation.text import compact

ENGLISH_OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
# Twilio's built-in words are English only: these are honoured here, and the deployment notes
# add them to Advanced Opt-Out. SI / SÍ is the Spanish YES (consent, and opting back in).
SPANISH_OPT_OUT_WORDS = frozenset(
    {"PARAR", "ALTO", "CANCELAR", "DETENER", "BAJA", "DESUSCRIBIR", "FIN"}
)
SPANISH_OPT_IN_WORDS = frozenset({"COMENZAR", "INICIAR", "SI", "SÍ"})
SPANISH_HELP_WORDS = frozenset({"AYUDA"})
OPT_OUT_WORDS = ENGLISH_OPT_OUT_WORDS | SPANISH_OPT_OUT_WORDS
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"}) | SPANISH_OPT_IN_WORDS
HELP_WORDS = frozenset({"HELP", "INFO"}) | SPANISH_HELP_WORDS
SPANISH_WORDS = SPANISH_OPT_OUT_WORDS | SPANISH_OPT_IN_WORDS | SPANISH_HELP_WORDS
ENGLISH_WORDS = (OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS) - SPANISH_WORDS - {"INFO"}
# What Twilio itself acts on without Advanced Opt-Out (which then names every word it takes
# in OptOutType): it blocks, unblocks or answers these, and confirms them itself.
TWILIO_DEFAULT_WORDS = {
    "STOP": ENGLISH_OPT_OUT_WORDS,
    "START": frozenset({"START", "YES", "UNSTOP"}),
    "HELP": frozenset({"HELP", "INFO"}),
}


def twilio_took(kind: str, normalised: str, opt_out_type: str | None) -> bool:
    """Whether Twilio itself acted on this keyword (kind STOP, START or HELP): Advanced
    Opt-Out says so in OptOutType; without it, Twilio knows its English defaults only, so a
    Spanish word without OptOutType was ours alone (Twilio neither blocked, unblocked nor
    answered it)."""
    if opt_out_type:
        return opt_out_type.upper() == kind
    return normalised in TWILIO_DEFAULT_WORDS[kind]


_ME = r"(?:me|us)"
_MESSAGES = r"(?:texts?|txts?|messages?|msgs?|sms|reminders?)"
_MENSAJES = r"(?:mensajes?|mensajitos?|textos?|msjs?|sms|recordatorios?|messages?|texts?)\b"
_OPT_OUT_PHRASES = [
    rf"\bstop (?:texting|messaging|sending|contacting|txting) {_ME}\b",
    rf"\bstop (?:sending|all|these|the|your) (?:\w+ )?{_MESSAGES}\b",
    r"^(?:please )?stop(?: it)?(?: now)?(?: please)?$",
    rf"\bopt(?:ing)? ?{_ME}? ?out\b",
    rf"\bunsubscribe(?: {_ME})?\b",
    rf"\bno more {_MESSAGES}\b",
    rf"\b(?:don ?t|do not|dont) (?:text|message|contact|txt|sms) {_ME}\b",
    rf"\b(?:remove|take) {_ME} (?:off|from)\b",
    rf"\bi (?:don ?t|do not|dont) want (?:any )?(?:more |these |your )?{_MESSAGES}\b",
    r"\bleave me alone\b",
    r"\bhow (?:do|can) (?:i|we) stop (?:getting|receiving) (?:these|this|them|the|your)\b",
    rf"\bno (?:me )?(?:envie|envien|mande|manden|mandes) mas {_MESSAGES}?",
    r"\b(?:darme de baja|dar de baja)\b",
    # "ya no quiero recibir mensajes", "no quiero mas recordatorios", "no quiero los mensajes"
    rf"\bno quiero (?:(?:mas|recibir|seguir|recibiendo|los|las|sus|estos|estas|ningun|ningunos)"
    rf" )+{_MENSAJES}",
    r"\bya no (?:me |nos )?(?:manden|envien|mande|envie|escriban|escriba|mandes|envies)\b",
    r"\bdej(?:en|e|es|a) de (?:escribir|mandar|enviar|textear)(?:me|nos)?\b",
    rf"\b(?:ya )?basta de {_MENSAJES}",
    rf"\bno mas {_MENSAJES}",
]
_OPT_OUT_RE = re.compile("|".join(f"(?:{p})" for p in _OPT_OUT_PHRASES))


def compliance_word(normalised: str, family: frozenset[str]) -> bool:
    """True when the whole message is one word of the family (after normalisation)."""
    return normalised in family


def is_opt_out_wish(normalised: str) -> bool:
    """A longer text that clearly asks to stop the messages, or an opt-out word spelt out
    ("S T O P", "s.t.o.p": read as the topic STEPS otherwise, which spaces removed is one
    letter away)."""
    return compact(normalised) in OPT_OUT_WORDS or bool(_OPT_OUT_RE.search(_plain(normalised)))


def _plain(normalised: str) -> str:
    text = normalised.lower()
    for accented, plain in (("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o"), ("ú", "u")):
        text = text.replace(accented, plain)
    return text
