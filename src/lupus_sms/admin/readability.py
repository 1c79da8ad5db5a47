"""Reading grade (Flesch-Kincaid) with syllables from pyphen's hyphenation dictionary.

textstat's current releases count syllables with NLTK's CMU dictionary, which must be
downloaded at run time; pyphen ships its dictionaries, so the grade works offline.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US", left=1, right=1)


def syllables(word: str) -> int:
    return max(1, len(_dictionary().positions(word.lower())) + 1)


def grade_level(text: str) -> float | None:
    """Flesch-Kincaid grade, or None for text too short to judge (under 5 words)."""
    words = _WORD.findall(text)
    if len(words) < 5:
        return None
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    syllable_count = sum(syllables(word) for word in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59
    return round(max(grade, 0.0), 1)
