"""The language of a phone number, and the words that tell which language a patient speaks.

Language belongs to the number, like opt-out. `PhoneNumber.language` is "en" or "es" once
known and "" while nobody chose (English is spoken then). It is set, in order of strength:

1. by the patient's own switch word (ESPANOL / ESPAÑOL, ENGLISH), which a clinic's
   enrolment never overrides (enrollment/service.py looks for the recorded switch);
2. by an enrolment that names a `language`, once the number consented to that clinic (the
   YES; until then the texts to the number use it while the number has none);
3. by the language of the number's first keyword, while no language is set, or, when the
   first text is no keyword, by how it reads: "hola", "informacion" and "ayuda por favor"
   are answered in Spanish (`looks_spanish`).

Every word of every language routes whatever the number's language; the number's language
only decides which texts answer.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from wordfreq import zipf_frequency

from lupus_sms.content.snapshot import ENGLISH, ContentSnapshot
from lupus_sms.content.translation import SPANISH
from lupus_sms.conversation.text import compact
from lupus_sms.messaging.models import PhoneNumber

UNSET = ""
SWITCH_WORDS = {
    **dict.fromkeys(("ESPANOL", "ESPAÑOL"), SPANISH),
    **dict.fromkeys(("ENGLISH", "INGLES", "INGLÉS"), ENGLISH),
}
MENU_WORDS = frozenset({"MENU", "MENÚ"})
MORE_WORDS = frozenset({"MORE", "MAS", "MÁS"})
# Words that are only one language's: the first of them a number sends sets its language.
# Compliance words are added by conversation/compliance.py's families.
_SPANISH_ONLY = frozenset({"MAS", "MÁS", "MENÚ", "AYUDA", "SI", "SÍ"})
_ENGLISH_ONLY = frozenset({"MORE", "YES", "HELP"})


def looks_spanish(normalised: str) -> bool:
    """Whether a text that is no keyword reads as Spanish ("hola", "ayuda por favor")."""
    if len(normalised) <= SHORT_TEXT:  # short texts repeat ("AHSCT", "ok"): read once
        return _short_looks_spanish(normalised)
    return _looks_spanish(normalised)


# Texts up to this long have their reading cached (at most 4,096 of them, a few hundred KB).
SHORT_TEXT = 40


@lru_cache(maxsize=4096)
def _short_looks_spanish(normalised: str) -> bool:
    return _looks_spanish(normalised)


def _looks_spanish(normalised: str) -> bool:
    plain = unicodedata.normalize("NFKD", normalised.lower())
    words = "".join(ch for ch in plain if not unicodedata.combining(ch)).split()
    return text_language(words) == SPANISH


def effective_language(phone_number: PhoneNumber | None) -> str:
    """The number's language; English while none was chosen."""
    language = phone_number.language if phone_number is not None else UNSET
    return language or ENGLISH


def word_language(normalised: str, content: ContentSnapshot) -> str | None:
    """The language a text's keyword belongs to, or None when it is shared or not one."""
    from lupus_sms.conversation.compliance import ENGLISH_WORDS, SPANISH_WORDS

    word = compact(normalised)
    if word in SWITCH_WORDS:
        return SWITCH_WORDS[word]
    if word in _SPANISH_ONLY or word in SPANISH_WORDS:
        return SPANISH
    if word in _ENGLISH_ONLY or word in ENGLISH_WORDS:
        return ENGLISH
    return content.word_languages.get(word)


def choose_language(
    phone_number: PhoneNumber | None, normalised: str, content, *, enrolled_in: str | None = None
) -> str:
    """The language to answer in. A number with none yet answers in the language its
    enrolments named (`enrolled_in`: the YES makes it the number's), else takes its first
    keyword's."""
    if phone_number is None or phone_number.language:
        return effective_language(phone_number)
    if enrolled_in:
        return enrolled_in
    spoken = word_language(normalised, content)
    if spoken is None and looks_spanish(normalised):
        spoken = SPANISH
    if spoken is not None:
        phone_number.language = spoken
    return spoken or ENGLISH


# How much more Spanish than English a text's words must be (wordfreq's Zipf scale, summed
# over the words) before it counts as Spanish, and the other way round.
LANGUAGE_MARGIN = 2.0


def text_language(words: list[str]) -> str | None:
    """The language a text is mostly written in, "es" or "en", or None when it is unclear.

    Each word votes by how much more often it is used in one language than in the other
    (wordfreq), so "mejor me muero" is Spanish and "my mom tiene dolor en el pecho" leans
    Spanish, while "ok" or "38.5" decide nothing.
    """
    score = 0.0
    for word in words[:60]:
        if word.isalpha():
            score += zipf_frequency(word, "es") - zipf_frequency(word, "en")
    if score >= LANGUAGE_MARGIN:
        return SPANISH
    if score <= -LANGUAGE_MARGIN:
        return ENGLISH
    return None
