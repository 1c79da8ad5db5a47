"""Reading grade (Flesch-Kincaid, from `textstat`) of a text shown in the editor.

textstat is pinned below 0.7.4: later releases count syllables with NLTK's CMU dictionary,
which must be downloaded at run time, while 0.7.3 uses pyphen's bundled dictionaries and
works offline.
"""

from __future__ import annotations

import re

import textstat

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def grade_level(text: str) -> float | None:
    """Flesch-Kincaid grade, or None for text too short to judge (under 5 words)."""
    if len(_WORD.findall(text)) < 5:
        return None
    return round(max(float(textstat.flesch_kincaid_grade(text)), 0.0), 1)
