"""What a text must say, whatever its words: rules the content validators share.

- A line that tells the patient to call about a symptom gives the clinic's 24/7 number,
  `{urgent_phone}`: the office number is closed at night, when a fever cannot wait.
- The consent texts and the opt-in confirmation carry what carriers require: how often we
  text, HELP, STOP and that message and data rates may apply; the confirmations name the
  program. In Spanish the words are AYUDA and PARAR, which the Twilio setup adds.
- Spanish written without acute accents (to stay GSM-7) must not use a verb whose meaning
  changes without its accent ("invito" is "I invite", "invitó" is "invited").
"""

from __future__ import annotations

import re

URGENT_PLACEHOLDER = "{urgent_phone}"
_CALL = re.compile(r"\b(?:call|phone|llame|llamar|ll[aá]menos)\b", re.IGNORECASE)
_SYMPTOM = re.compile(
    r"\b(?:fever|chills|bleed\w*|bruis\w*|breath\w*|symptoms?|temperature|feel worse|"
    r"fiebre|escalofr[ií]os|sangrado|moretones|aire|respirar|s[ií]ntomas?|temperatura|peor)\b",
    re.IGNORECASE,
)
_EMERGENCY_ONLY = re.compile(r"\b(?:911|988)\b")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def symptom_call_problem(text: str) -> str | None:
    """A problem when a sentence tells the patient to call about a symptom (named in that
    sentence or the one before it) without giving {urgent_phone}; calls to 911 alone pass."""
    sentences = _SENTENCE_END.split(text)
    for index, sentence in enumerate(sentences):
        if not _CALL.search(sentence):
            continue
        context = " ".join(sentences[max(0, index - 1) : index + 1])
        if not _SYMPTOM.search(context) or URGENT_PLACEHOLDER in context:
            continue
        if _EMERGENCY_ONLY.search(sentence) and "{" not in sentence:
            continue  # "Trouble breathing? Call 911." sends the patient to emergency services
        return (
            f"{sentence.strip()!r} tells the patient to call about a symptom: give the "
            f"clinic's 24/7 number, {URGENT_PLACEHOLDER}"
        )
    return None


# message name -> what it must say: (label, English pattern, Spanish pattern). Keywords are
# matched in capitals, as a patient must type them; the rest in any case.
_FREQUENCY = (
    "how often we text (e.g. 'Msg frequency varies')",
    r"(?i)frequency|\d+\s*(?:msgs?|messages|texts)\s*(?:/|per|a|each)\s*(?:wk|week|month|mo)\b",
    r"(?i)frecuencia|\d+\s*(?:mensajes|textos)\s*(?:por|a la|al|cada)\s*(?:semana|mes)\b",
)
_HELP = ("HELP for help", r"\bHELP\b", r"\bAYUDA\b")
_STOP = ("STOP to opt out", r"\bSTOP\b", r"\bPARAR\b")
_RATES = (
    "'Msg&data rates may apply'",
    r"(?i)msg\s*&\s*data rates may apply|message and data rates may apply",
    r"(?i)tarifas de mensajes y datos",
)
_PROGRAM = ("the program name, {program_name}", r"\{program_name\}", r"\{program_name\}")
_YES = ("YES to join", r"\bYES\b", r"\bSI\b")
_EMERGENCY = ("911 for emergencies", r"\b911\b", r"\b911\b")
_START = ("how to come back (START)", r"\bSTART\b", r"\b(?:COMENZAR|INICIAR)\b")
REQUIRED_WORDING = {
    "consent_invitation": (_YES, _FREQUENCY, _HELP, _STOP, _RATES),
    "consent_confirmation": (_PROGRAM, _FREQUENCY, _HELP, _STOP, _RATES),
    "opt_in_confirmation": (_PROGRAM, _FREQUENCY, _HELP, _STOP, _RATES),
    # Carriers' HELP answer: who we are, how to stop; ours also where to turn in an emergency.
    "help": (_PROGRAM, _EMERGENCY, _STOP),
    "opt_out_confirmation": (_PROGRAM, _START),
    "unknown_hint": (_EMERGENCY,),
}
# A weekly count in a frequency statement ("up to 4 msgs/week", "hasta 4 mensajes por semana").
WEEKLY_COUNT = re.compile(
    r"(\d+)\s*(?:msgs?|messages|texts|mensajes|textos)\s*(?:/|per|a la|por|each|cada)\s*"
    r"(?:wk|week|semana)\b",
    re.IGNORECASE,
)


def consent_wording_problems(name: str, text: str, language: str) -> list[str]:
    """What a consent text lacks that carriers require, in its language's words."""
    spanish = language == "es"
    problems = []
    for label, english, translated in REQUIRED_WORDING.get(name, ()):
        if not re.search(translated if spanish else english, text):
            where = f" (in Spanish: {translated.removeprefix('(?i)')!r})" if spanish else ""
            problems.append(f"must say {label}{where}")
    return problems


# Spanish words that mean something else without their accent, as GSM-7 spelling writes them.
MEANING_ACCENTS = {
    "invito": "invitó",
    "durara": "durará",
    "necesitare": "necesitaré",
    "tendre": "tendré",
    "recibira": "recibirá",
    "enviara": "enviará",
    "cancelo": "canceló",
    "sera": "será",
    "podra": "podrá",
}
_WORD = re.compile(r"[a-záéíóúñü]+", re.IGNORECASE)


def meaning_accent_problems(text: str) -> list[str]:
    found = dict.fromkeys(w.lower() for w in _WORD.findall(text) if w.lower() in MEANING_ACCENTS)
    return [
        f"{word!r} means something else without its accent ({MEANING_ACCENTS[word]!r}): keep "
        "the accent and fit the text to its UCS-2 limit, or reword it"
        for word in found
    ]
