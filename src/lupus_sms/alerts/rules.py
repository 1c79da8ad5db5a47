"""Red-flag rules: does a text (or a check-in answer's meaning) signal danger?

When in doubt, alert: a false alert costs a nurse a minute, a missed one can cost a life. So
the rules are generous (prefixes, one-letter typos, emoji, Spanish) and the only thing that
silences a term is a plain negation right before it ("no fever", "not bleeding", "no fever
or chills", "sin fiebre") or "free" right after it ("fever free"). Self-harm is never
negated. A temperature at or above the threshold always alerts, whatever the words around it
("no fever, 38.3"), and so does a fever mentioned in the past ("fever yesterday, 37.2 now").

The terms live in content/safety.yaml and admins may extend them; `FLOOR_TERMS` and
`FLOOR_THRESHOLD_C` are the floor that content can never weaken: they are matched even if
the content left them out, and the document validator refuses such content anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from lupus_sms.alerts.temperatures import Temperature, find_temperatures

FLOOR_THRESHOLD_C = 38.0
# English, then Spanish (matched without accents: "escalofríos" is "escalofrios").
FLOOR_TERMS: dict[str, tuple[str, ...]] = {
    "fever": ("fever", "fiebre"),
    "chills": ("chills", "shivering", "rigors", "escalofrios"),
    "bleeding": ("bleeding", "bleed", "bruising", "sangrado", "sangrando"),
    "breathing": (
        *("cant breathe", "cannot breathe", "short of breath", "shortness of breath"),
        *("no puedo respirar", "dificultad para respirar", "falta de aire"),
    ),
    "chest_pain": ("chest pain", "dolor de pecho"),
    "confusion": ("confusion", "confused", "confundido", "confundida"),
    "fainting": ("fainting", "fainted", "passed out", "desmayo", "desmaye"),
    "vomiting": ("vomiting", "vomit", "cant keep fluids down", "vomitos", "vomitando"),
    "emergency": ("emergency", "911", "emergencia"),
    "self_harm": (
        *("suicide", "suicidal", "kill myself", "hurt myself", "self harm"),
        *("suicidio", "matarme", "quiero morir"),
    ),
}
RED_FLAG_CATEGORIES = frozenset(FLOOR_TERMS)
NEVER_NEGATED = frozenset({"self_harm"})
WORD_CACHE_SIZE = 50_000

_NEGATORS = frozenset(
    [
        "no",
        "not",
        "without",
        "sin",
        "denies",
        "deny",
        "never",
        "nor",
        "none",
        "zero",
        "dont",
        "didnt",
        "doesnt",
        "havent",
        "hasnt",
        "hadnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "ningun",
        "ninguna",
        "nunca",
        "tampoco",
        "negative",
    ]
)
# Words that may stand between a negator and the term: "no signs of fever", "not any chills".
_FILLER = frozenset(
    [
        "a",
        "an",
        "any",
        "have",
        "had",
        "has",
        "having",
        "got",
        "get",
        "getting",
        "signs",
        "sign",
        "of",
        "more",
        "longer",
        "real",
        "really",
        "the",
        "my",
        "been",
        "feel",
        "feeling",
        "felt",
        "tengo",
        "tiene",
        "tenido",
        "he",
        "hay",
        "un",
        "una",
        "la",
        "el",
        "los",
        "las",
        "mas",
        "de",
        "experiencing",
        "noticed",
        "seen",
    ]
)
_LISTS = frozenset({"or", "nor", "o", "ni"})
# "not sure if it's a fever" is doubt, not a negation: when in doubt, alert.
_DOUBT = re.compile(r"\b(?:not sure|unsure|dont know|dunno|no se|not certain|maybe|might)\b")
_CLAUSE_BREAK = re.compile(
    r"[.;!?\n]+|,|\b(?:but|and|though|although|however|except|pero|y|aunque)\b"
)
# Words one typo away from a term that are common and harmless.
_TYPO_STOP_WORDS = frozenset({"never", "fewer", "breeding", "strike", "strode", "blessed"})


@dataclass(frozen=True)
class Reading:
    """What the rules found: red-flag categories (empty when none) and temperatures."""

    categories: tuple[str, ...] = ()
    temperatures: tuple[Temperature, ...] = ()

    @property
    def red_flag(self) -> bool:
        return bool(self.categories)

    @property
    def self_harm(self) -> bool:
        return "self_harm" in self.categories


@dataclass(frozen=True)
class SafetyRules:
    """Compiled red-flag terms: category -> token tuples, and emoji.

    One-word terms are matched through a per-word cache (a word's categories are computed
    once), phrases by their first word, so a long text costs about one lookup per word.
    """

    threshold_c: float
    phrases: dict[str, tuple[tuple[str, ...], ...]]
    emoji: dict[str, str] = field(default_factory=dict)
    words: tuple[tuple[str, str], ...] = ()  # (category, one-word term)
    by_first_word: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict)
    word_cache: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)


def compile_rules(document: dict) -> SafetyRules:
    """Build the rules from content/safety.yaml, always including the floor kept in code."""
    threshold = min(float(document.get("fever_threshold_c", FLOOR_THRESHOLD_C)), FLOOR_THRESHOLD_C)
    phrases: dict[str, set[tuple[str, ...]]] = {c: set() for c in FLOOR_TERMS}
    emoji: dict[str, str] = {}
    flags = document.get("red_flags") or {}
    for category, terms in FLOOR_TERMS.items():
        phrases[category].update(tuple(plain_words(t)) for t in terms)
    for category, entry in flags.items():
        for term in (entry or {}).get("terms", []):
            words = tuple(plain_words(str(term)))
            if words:
                phrases.setdefault(category, set()).add(words)
            else:
                emoji[str(term)] = category
    by_first_word: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for category, category_phrases in phrases.items():
        for phrase in category_phrases:
            if len(phrase) > 1:
                by_first_word.setdefault(phrase[0], []).append((category, phrase))
    return SafetyRules(
        threshold_c=threshold,
        phrases={c: tuple(sorted(p)) for c, p in phrases.items()},
        emoji=emoji,
        words=tuple((c, p[0]) for c, ps in phrases.items() for p in sorted(ps) if len(p) == 1),
        by_first_word={word: tuple(found) for word, found in by_first_word.items()},
    )


def read_text(
    text: str,
    rules: SafetyRules,
    *,
    meanings: tuple[str, ...] | list[str] = (),
    expect_temperature: bool = False,
) -> Reading:
    """The red-flag reading of one message, plus what an open check-in made of it."""
    found = {m for m in meanings if m in rules.phrases}
    temperatures = tuple(find_temperatures(text, expect_temperature=expect_temperature))
    if any(t.celsius >= rules.threshold_c for t in temperatures):
        found.add("fever")
    found.update(c for symbol, c in rules.emoji.items() if symbol in text)
    for clause in _clauses(text):
        found.update(_categories_in_clause(clause, rules))
    ordered = tuple(c for c in rules.phrases if c in found)
    return Reading(categories=ordered, temperatures=temperatures)


def plain_words(text: str) -> list[str]:
    """Lower-case words without accents or apostrophes: "Can't BREATHE!" -> [cant, breathe]."""
    return [token for token in _tokens(text) if token[0].isalnum()]


def _clauses(text: str) -> list[list[str]]:
    joined = " ".join(_tokens(text))
    return [plain_words(part) for part in _CLAUSE_BREAK.split(joined) if part.strip()]


def _tokens(text: str) -> list[str]:
    """Words, and clause punctuation as tokens of its own."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"['’`´]", "", plain)
    return re.findall(r"[a-z0-9]+|[.,;!?\n]", plain)


def _categories_in_clause(words: list[str], rules: SafetyRules) -> set[str]:
    doubtful = bool(_DOUBT.search(" ".join(words)))
    matches = _matches(words, rules)
    found = set()
    for category, start, end in matches:
        negatable = category not in NEVER_NEGATED and not doubtful
        if negatable and _negated(words, start, end, matches):
            continue
        found.add(category)
    return found


def _matches(words: list[str], rules: SafetyRules) -> list[tuple[str, int, int]]:
    """(category, start, end) of every term found in the clause's words."""
    found = []
    for start, word in enumerate(words):
        found += [(category, start, start + 1) for category in _word_categories(word, rules)]
        for category, phrase in rules.by_first_word.get(word, ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                found.append((category, start, start + len(phrase)))
    return found


def _word_categories(word: str, rules: SafetyRules) -> frozenset[str]:
    cached = rules.word_cache.get(word)
    if cached is None:
        cached = frozenset(c for c, term in rules.words if _word_matches(word, term))
        if len(rules.word_cache) > WORD_CACHE_SIZE:
            rules.word_cache.clear()
        rules.word_cache[word] = cached
    return cached


def _word_matches(word: str, term: str) -> bool:
    """Exact; a longer word that starts with a 5+ letter term; or one typo in 6+ letters."""
    if word == term:
        return True
    if len(term) >= 5 and word.startswith(term):
        return True
    if len(term) >= 6 and len(word) >= 6 and word not in _TYPO_STOP_WORDS:
        return OSA.distance(word, term) <= 1
    return False


def _negated(words: list[str], start: int, end: int, matches) -> bool:
    """A negator before the term (over filler words and "or"-lists), or "free" right after."""
    if end < len(words) and words[end] == "free":
        return True
    starts_by_end: dict[int, int] = {}
    for _category, match_start, match_end in matches:
        starts_by_end[match_end] = min(match_start, starts_by_end.get(match_end, match_start))
    index = start - 1
    while index >= 0:
        word = words[index]
        if word in _NEGATORS:
            return True
        if word in _FILLER:
            index -= 1
        elif word in _LISTS and index in starts_by_end:  # "no fever or chills"
            index = starts_by_end[index] - 1
        else:
            return False
    return False
