"""How the red-flag reader sees a text: plain words, sentences and clauses.

"Can't BREATHE!!  Mi mamá tiene fiebre..." becomes sentences of lower-case words without
accents or apostrophes ("cant", "breathe"; "mi", "mama", "tiene", "fiebre"), each word
knowing its clause, so that a negation ("no fever, but chills") reaches only its own clause
while a symptom and its body part may sit in different clauses of one sentence ("my left
leg, its swollen and hot").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Words that end a clause (but not a sentence): a negation does not reach past them.
JOINING_WORDS = frozenset({"and", "y"})
CLAUSE_WORDS = frozenset(
    {"but", "and", "though", "although", "however", "except", "pero", "y", "aunque", "sino"}
)
# A sentence runs to its end mark (kept: "?" says it asks); a point inside "38.4" ends nothing.
_SENTENCE = re.compile(r"(?:[^.!?;\n]|(?<=\d)[.](?=\d))+(?:[.!?;\n]+|$)")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z0-9]+|,")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_APOSTROPHES = re.compile(r"['’`´‘]")
FRAGMENT_WORDS = 3


@dataclass(frozen=True)
class Sentence:
    words: tuple[str, ...]
    clauses: tuple[int, ...]  # the clause number of each word
    text: str  # the plain sentence, for the number readers
    asks: bool = False  # it ends with "?" (or opens with "¿")
    # Clauses joined by "and"/"y" share their time ("had chills and a fever 4 days ago").
    joined: frozenset[int] = frozenset()  # clause numbers that "and"/"y" began

    def clause_span(self, index: int) -> tuple[int, int]:
        """The [start, end) word positions of the clause that holds word `index`."""
        clause = self.clauses[index]
        start = index
        while start > 0 and self.clauses[start - 1] == clause:
            start -= 1
        end = index
        while end < len(self.words) and self.clauses[end] == clause:
            end += 1
        return start, end


def plain(text: str) -> str:
    """Lower case, accents and apostrophes gone, letters repeated 3+ times kept twice."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1\1", _APOSTROPHES.sub("", stripped))


def sentences(text: str) -> list[Sentence]:
    """The plain text cut into sentences of words with clause numbers. A fragment of a few
    words joins the sentence after it ("ugh my calf. throbbing, hot, swollen")."""
    found = []
    parts = [m.group(0) for m in _SENTENCE.finditer(plain(text))]
    merged: list[str] = []
    for part in parts:
        if merged and len(_TOKEN.findall(merged[-1])) <= FRAGMENT_WORDS:
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    if len(merged) > 1 and len(_TOKEN.findall(merged[-1])) <= FRAGMENT_WORDS:
        last = merged.pop()  # "what counts as a fever? 37.8 or 38?": one question
        merged[-1] = f"{merged[-1]} {last}"
    for part in merged:
        words: list[str] = []
        clauses: list[int] = []
        joined: set[int] = set()
        clause = 0
        for token in _TOKEN.findall(part):
            if token == ",":  # noqa: S105 - a comma, not a password
                clause += 1
                continue
            if token in CLAUSE_WORDS:
                clause += 1
                if token in JOINING_WORDS:
                    joined.add(clause)
            words.append(token)
            clauses.append(clause)
        if words:
            asks = "?" in part or "¿" in part
            found.append(Sentence(tuple(words), tuple(clauses), part, asks, frozenset(joined)))
    return found
