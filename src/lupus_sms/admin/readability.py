"""How easy a text is to read, measured in its own language (from `textstat`).

English: the Flesch-Kincaid grade (patient materials aim at 6-8). Spanish: the
Fernández-Huerta reading ease, Flesch's formula refitted for Spanish (0-100, higher is
easier; 60-70 is "normal", 70-80 "fairly easy"). An English grade formula counts Spanish
syllables wrongly and says nothing useful about a Spanish text.

Each language has its own `textstatistics` instance (its own pyphen dictionary): switching
the module-wide language would race between requests.

textstat is pinned below 0.7.4: later releases count syllables with NLTK's CMU dictionary,
which must be downloaded at run time, while 0.7.3 uses pyphen's bundled dictionaries and
works offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from textstat.textstat import textstatistics

_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*")
MIN_WORDS = 5  # shorter texts are not judged
# Fernández-Huerta bands (legible.es), for the label shown beside the figure.
SPANISH_BANDS = ((90, "very easy"), (80, "easy"), (70, "fairly easy"), (60, "normal"),
                 (50, "fairly difficult"), (30, "difficult"), (0, "very difficult"))  # fmt: skip


@dataclass(frozen=True)
class Readability:
    measure: str  # what the figure is, as the editor labels it
    value: float | None  # None: too short to judge
    too_hard: bool
    band: str = ""


@lru_cache(maxsize=2)
def _statistics(language: str) -> textstatistics:
    stats = textstatistics()
    stats.set_lang("es" if language == "es" else "en_US")
    return stats


def grade_level(text: str) -> float | None:
    """Flesch-Kincaid grade, or None for text too short to judge (under 5 words)."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    return round(max(float(_statistics("en").flesch_kincaid_grade(text)), 0.0), 1)


def spanish_reading_ease(text: str) -> float | None:
    """Fernández-Huerta reading ease (0-100), or None for text too short to judge."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    return round(min(max(float(_statistics("es").fernandez_huerta(text)), 0.0), 100.0), 1)


def readability(text: str, *, language: str, grade_limit: float, ease_minimum: float):
    """The measure that fits the text's language, and whether it is too hard to read."""
    if language == "es":
        ease = spanish_reading_ease(text)
        band = next(
            (name for floor, name in SPANISH_BANDS if ease is not None and ease >= floor), ""
        )
        too_hard = ease is not None and ease < ease_minimum
        return Readability("Fernández-Huerta reading ease", ease, too_hard, band)
    grade = grade_level(text)
    return Readability("reading grade", grade, grade is not None and grade > grade_limit)
