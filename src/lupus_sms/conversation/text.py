"""Reading what a patient typed: normalisation for keyword matching, and fuzzy matching."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import OSA

# Zero-width and bidi control characters carry no meaning in a keyword.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalise(body: str | None) -> str:
    """Upper-case words separated by single spaces; punctuation, emoji and symbols dropped.

    Letters of any script survive, so non-Latin text stays non-empty (and gets a hint, not
    the empty-message reply).
    """
    text = unicodedata.normalize("NFKC", body or "")
    # Upper-case before filtering: some capitals need a combining mark ("ὐ" -> "Υ̓").
    text = _INVISIBLE.sub("", text).upper()
    kept = [ch if (ch.isalnum() or ch.isspace()) else " " for ch in text]
    return " ".join("".join(kept).split())


def compact(normalised: str) -> str:
    """Keywords match with spaces removed ("STEM CELLS" == "STEMCELLS")."""
    return normalised.replace(" ", "")


def closest_word(word: str, candidates: list[str]) -> tuple[str, int] | None:
    """The candidate with the smallest optimal-string-alignment distance (a swap counts 1)."""
    if not word or len(word) > 32:
        return None
    best: tuple[str, int] | None = None
    for candidate in candidates:
        distance = OSA.distance(word, candidate)
        if best is None or distance < best[1]:
            best = (candidate, distance)
    return best


def fuzzy_confidence(word: str, candidate: str, distance: int) -> str | None:
    """'sure' answers the topic, 'maybe' asks "did you mean", None is no match.

    One edit in a word of four or more letters is almost always a typo ("RISKES", "AHCST");
    in shorter words, or with two edits, we ask instead of guessing.
    """
    shortest = min(len(word), len(candidate))
    if distance == 0:
        return "sure"
    if distance == 1 and shortest >= 4:
        return "sure"
    if distance == 1 and shortest >= 3:
        return "maybe"
    if distance == 2 and shortest >= 6:
        return "maybe"
    return None
