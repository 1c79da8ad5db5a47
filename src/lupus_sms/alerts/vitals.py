"""Two readings patients send besides temperatures: a finger oximeter's oxygen saturation
("pulse ox 89", "sat 91%", "oxigeno en 88") and a pain score ("pain 9/10", "dolor 10 de 10").

A number is read only next to a word that says what it is, so "91" alone or a date such as
"10/10" is never taken for one.
"""

from __future__ import annotations

import re

_OXYGEN = re.compile(
    r"\b(?:pulse ?ox\w*|ox(?:imeter|imetro|igeno|ygen)?|o2|sp ?o2|sats?|saturation|saturacion|"
    r"saturando|satura|oximetro|aparatito|maquinita|saturometro|"
    r"(?:finger|pulse|dedo) ?(?:thing|clip|monitor|gadget|machine|reader|thingy))\b"
    r"(?:\W+[a-z]+){0,6}?"
    r"\W+(?P<value>[4-9]\d|ninety|noventa|eighty|ochenta|(?:high|low|mid) [78]0s)\s*%?"
    r"|(?P<before>[4-9]\d)\s*%\s*(?:\w+\s+){0,3}(?:ox\w*|o2|sat\w*|pulse ox\w*|oxigeno)\b"
)
_PAIN_WORDS = re.compile(
    r"\b(?:pa[io]n\w*|hurt\w*|\w*aches?|aching|dolor\w*|duele\w*|sore|burn\w*|arde\w*|"
    r"gout|scale|escala|coyunturas)\b"
)
# A body part with a score out of 10 or a rating ("lower back is 9/10", "rates it 10").
_BODY_WORDS = re.compile(
    r"\b(?:back|espalda|hips?|cadera|knees?|rodillas?|joints?|bones|huesos|shoulders?|"
    r"hombros?|belly|stomach|estomago|barriga|panza|head|cabeza|legs?|piernas?|chest|pecho)\b"
)
_SCORE = re.compile(
    r"\b(?:\d\s*-\s*)?(?P<score>10|[0-9])\s*(?:/|out of|of|de|sobre)\s*10\b"
    r"|\b(?:scale|escala|level|nivel)\W+(?:is\W+|es\W+|de\W+)?(?P<word>ten|nine|eight|twelve|"
    r"eleven|diez|nueve|ocho|doce|once|10|9|8)\b"
    r"|\b(?P<rated>rat(?:es|ed|ing)? (?:it|her|him|them)|calls? it|le pone|le da)\s+"
    r"(?:a\s+|an\s+|un\s+)?(?P<rating>10|[89])\b"
    r"|\b(?:is|its|at|es|en|un|a|de|level|nivel|esta de)\s+(?:a\s+|un\s+)?(?P<alone>10|[89])\b"
    r"(?!\s*(?:/|%|\d|am|pm|:|a\.m|p\.m|de la|del|minutos|min|hours|horas|days|dias))"
)
# "vomited 5 times", "diarrea 8x", "como 10 veces": three or more episodes in a short while.
_EPISODE_WORDS = re.compile(
    r"\b(?:vomit\w*|vommit\w*|threw|throw\w*|puk\w*|diarr?h?o?e?a\w*|diarea|runs|"
    r"bomit\w*|devolv\w*|cursera|soltura|evacu\w*|pooped|pooping|sick|bano|chorrera)\b"
)
_EPISODES = re.compile(
    r"\b(?P<count>\d{1,2}|three|four|five|six|seven|eight|nine|ten|tres|cuatro|cinco|seis|"
    r"siete|ocho|nueve|diez)\+?\s*(?:x|times|veces|episodes|episodios|vomitos|vomits)\b"
    r"|\bx\s*(?P<after>\d{1,2})\b|\b(?:after|despues de|count after)\s+(?P<lost>\d{1,2})\b"
)
REPEATED_EPISODES = 3
SEVERE_PAIN_SCORE = 8


_WORD_NUMBERS = {
    **dict.fromkeys(("eight", "ocho"), 8),
    **dict.fromkeys(("nine", "nueve"), 9),
    **dict.fromkeys(("ten", "diez", "eleven", "once", "twelve", "doce"), 10),
    **dict.fromkeys(("three", "tres"), 3),
    **dict.fromkeys(("four", "cuatro"), 4),
    **dict.fromkeys(("five", "cinco"), 5),
    **dict.fromkeys(("six", "seis"), 6),
    **dict.fromkeys(("seven", "siete"), 7),
    **dict.fromkeys(("ninety", "noventa"), 90),
    **dict.fromkeys(("eighty", "ochenta"), 80),
}


def _number(text: str) -> int:
    """ "88", "ninety", "high 80s" (88) or "low 80s" (82)."""
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    if text.endswith("0s"):
        tens = int(text[-3]) * 10
        return tens + {"high": 8, "mid": 5, "low": 2}[text.split()[0]]
    return int(text)


def low_oxygen(plain_text: str, *, below: int) -> int | None:
    """The lowest oxygen saturation written, when it is below `below` (percent)."""
    values = []
    for match in _OXYGEN.finditer(plain_text):
        value = _number(match["value"] or match["before"])
        if 50 <= value < 100:
            values.append(value)
    low = min(values, default=None)
    return low if low is not None and low < below else None


def severe_pain_score(plain_text: str) -> int | None:
    """A pain score of 8 or more out of 10, when the sentence speaks of pain (or of a body
    part, with a score out of 10 or a rating: "lower back is 9/10", "rates it 10")."""
    if _PAIN_WORDS.search(plain_text):
        scores = [_number(m["score"] or m["alone"] or m["word"] or m["rating"])
                  for m in _SCORE.finditer(plain_text)]  # fmt: skip
    elif _BODY_WORDS.search(plain_text):
        scores = [_number(m["score"] or m["rating"]) for m in _SCORE.finditer(plain_text)
                  if m["score"] or m["rating"]]  # fmt: skip
    else:  # "rates it 10": a rating says what it is
        scores = [_number(m["rating"]) for m in _SCORE.finditer(plain_text) if m["rating"]]
    high = max(scores, default=0)
    return high if high >= SEVERE_PAIN_SCORE else None


def repeated_episodes(plain_text: str) -> int | None:
    """How many times someone vomited or had diarrhoea, when it is three or more."""
    if not _EPISODE_WORDS.search(plain_text):
        return None
    counts = [
        _number(m["count"] or m["after"] or m["lost"]) for m in _EPISODES.finditer(plain_text)
    ]
    most = max(counts, default=0)
    return most if most >= REPEATED_EPISODES else None
