"""The red-flag lexicon of content/safety.yaml, compiled for matching.

The document lists, per category, `terms` (phrases) and `near` rules (words of several groups
close together, in any order). Words are written in lower case without accents or
apostrophes, and a few marks say how they match:

  fever        the word itself; a word of 6+ letters also matches with one typo ("feverr")
  bleed*       any word that starts with "bleed" (bleeds, bleeding); 6+ letters: one typo too
  =sat         exactly this word, never a typo of it (short or easily confused words)
  #10          any whole number of at least 10 written in digits ("took 30 of my pills")
  @CHEST       any word of the group CHEST (`groups:` at the top of the document)
  ...          in a phrase: up to three other words may stand here ("cant ... breathe")

A `near` rule is `{all: [group or word, ...], within: N}`: one word of each within N words of
each other in one sentence ("my LEFT LEG is really SWOLLEN" for [@LIMB, @SWOLLEN]).

Compiling turns every distinct word pattern into an integer, so reading a text costs one
cached lookup per word (which patterns does this word match?) plus a few set operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

GAP = "..."
MAX_GAP = 3
FUZZY_MIN_LENGTH = 6
WORD_CACHE_SIZE = 50_000
COMMON_ZIPF = 3.0  # wordfreq's Zipf scale: 3 is once per million words
DEFAULT_WITHIN = 4
_WORD = re.compile(r"^(=?[a-z0-9]+\*?|#[0-9]+)$")


@dataclass(frozen=True)
class WordPattern:
    stem: str
    prefix: bool = False  # "bleed*"
    exact: bool = False  # "=sat": no typo tolerance
    at_least: int | None = None  # "#10": a number in digits, this or more

    def matches_exactly(self, word: str) -> bool:
        if self.at_least is not None:
            return word.isdigit() and int(word) >= self.at_least
        return word.startswith(self.stem) if self.prefix else word == self.stem

    def matches(self, word: str) -> bool:
        if self.at_least is not None:
            return self.matches_exactly(word)
        if self.prefix:
            if word.startswith(self.stem):
                return True
            head = word[: len(self.stem)]
            return self._fuzzy(head) and len(word) >= len(self.stem)
        return word == self.stem or self._fuzzy(word)

    def _fuzzy(self, word: str) -> bool:
        if self.exact or len(self.stem) < FUZZY_MIN_LENGTH or abs(len(word) - len(self.stem)) > 1:
            return False
        return word[0] == self.stem[0] and OSA.distance(word, self.stem) <= 1


@dataclass(frozen=True)
class Phrase:
    """Slots of word-pattern ids; GAP_SLOT lets up to MAX_GAP other words stand there."""

    category: str
    slots: tuple[frozenset[int] | None, ...]  # None is a gap


@dataclass(frozen=True)
class NearRule:
    category: str
    groups: tuple[frozenset[int], ...]
    within: int


@dataclass
class Lexicon:
    """Compiled terms: word patterns by id, phrases indexed by their first slot's ids."""

    patterns: list[WordPattern] = field(default_factory=list)
    # Ids of words that name a symptom on their own (one-word terms), not the words inside
    # phrases ("no", "puedo", "de") or near rules ("so", "all", "normal").
    content_ids: set[int] = field(default_factory=set)
    phrases_by_first: dict[int, list[Phrase]] = field(default_factory=dict)
    near_rules: list[NearRule] = field(default_factory=list)
    emoji: dict[str, str] = field(default_factory=dict)  # symbol -> category
    problems: list[str] = field(default_factory=list)
    _ids: dict[WordPattern, int] = field(default_factory=dict, repr=False)
    _by_length: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _cache: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)

    def pattern_id(self, pattern: WordPattern) -> int:
        found = self._ids.get(pattern)
        if found is None:
            found = self._ids[pattern] = len(self.patterns)
            self.patterns.append(pattern)
        return found

    def word_ids(self, word: str) -> frozenset[int]:
        """Every pattern id this word matches (cached: a word is looked at once)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        exact = frozenset(i for i, p in enumerate(self.patterns) if p.matches_exactly(word))
        # A real word is not a typo of another: "cuando" is never "cunado", "sharing" never
        # "shaking". Only words that are rare in both languages are read as typos.
        if exact or is_common_word(word):
            found = exact
        else:
            found = frozenset(i for i, p in enumerate(self.patterns) if p.matches(word))
        if len(self._cache) > WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = found
        return found


def is_common_word(word: str) -> bool:
    """A word used at least once per million words of English or Spanish (wordfreq)."""
    return max(zipf_frequency(word, "en"), zipf_frequency(word, "es")) >= COMMON_ZIPF


def compile_lexicon(document: dict, categories: list[str]) -> Lexicon:
    """Compile every category's `terms` and `near` rules (and the named groups they use)."""
    lexicon = Lexicon()
    groups = _groups(document.get("groups"), lexicon)
    flags = document.get("red_flags") or {}
    for category in categories:
        entry = flags.get(category) or {}
        add_terms(lexicon, category, entry.get("terms") or [], groups)
        add_near_rules(lexicon, category, entry.get("near") or [], groups)
    return lexicon


def add_terms(lexicon: Lexicon, category: str, terms: list, groups: dict) -> None:
    for term in terms:
        text = str(term).strip()
        if text and not any(ch.isalnum() for ch in text):
            lexicon.emoji[text] = category
            continue
        slots = []
        for token in text.lower().split():
            if token == GAP:
                slots.append(None)
                continue
            ids = _slot(token, groups, lexicon)
            if ids is None:
                lexicon.problems.append(f"{category}: {text!r} has a word that cannot match")
                slots = []
                break
            slots.append(ids)
        if not slots or slots[0] is None or slots[-1] is None:
            continue
        phrase = Phrase(category, tuple(slots))
        if len(slots) == 1:
            lexicon.content_ids.update(slots[0])
        for first in slots[0]:
            lexicon.phrases_by_first.setdefault(first, []).append(phrase)


def add_near_rules(lexicon: Lexicon, category: str, rules: list, groups: dict) -> None:
    for rule in rules:
        words = rule.get("all") if isinstance(rule, dict) else None
        if not isinstance(words, list) or len(words) < 2:
            lexicon.problems.append(f"{category}: a near rule needs `all` with 2+ words")
            continue
        slots = [_group_slot(word, groups, lexicon) for word in words]
        if any(slot is None for slot in slots):
            lexicon.problems.append(f"{category}: near rule {words} has a word that cannot match")
            continue
        within = int(rule.get("within", DEFAULT_WITHIN))
        lexicon.near_rules.append(NearRule(category, tuple(slots), within))


def _group_slot(word: object, groups: dict, lexicon: Lexicon) -> frozenset[int] | None:
    """One slot of a near rule: a word, an @GROUP, or an inline list of either."""
    if not isinstance(word, list):
        return _slot(str(word).lower(), groups, lexicon)
    found: set[int] = set()
    for item in word:
        slot = _slot(str(item).lower(), groups, lexicon)
        if slot is None:
            return None
        found |= slot
    return frozenset(found)


def _groups(raw: object, lexicon: Lexicon) -> dict[str, frozenset[int]]:
    groups: dict[str, frozenset[int]] = {}
    for name, words in (raw or {}).items() if isinstance(raw, dict) else ():
        ids = set()
        for word in words or []:
            pattern = parse_word(str(word).lower())
            if pattern is None:
                lexicon.problems.append(f"groups.{name}: {word!r} is not one word")
            else:
                ids.add(lexicon.pattern_id(pattern))
        groups[str(name).upper()] = frozenset(ids)
    return groups


def _slot(token: str, groups: dict[str, frozenset[int]], lexicon: Lexicon) -> frozenset[int] | None:
    if token.startswith("@"):
        return groups.get(token[1:].upper())
    pattern = parse_word(token)
    return None if pattern is None else frozenset({lexicon.pattern_id(pattern)})


def parse_word(token: str) -> WordPattern | None:
    if not _WORD.match(token):
        return None
    if token.startswith("#"):
        return WordPattern(token, at_least=int(token[1:]))
    exact = token.startswith("=")
    prefix = token.endswith("*")
    stem = token.strip("=*")
    return WordPattern(stem, prefix=prefix, exact=exact) if stem else None


def phrase_end(slots, ids: list[frozenset[int]], start: int) -> int | None:
    """Where the phrase starting at `start` ends, or None; a gap slot skips up to 3 words."""
    position = start
    index = 0
    while index < len(slots):
        slot = slots[index]
        if slot is None:
            following = slots[index + 1]
            for skip in range(0, MAX_GAP + 1):
                if position + skip < len(ids) and ids[position + skip] & following:
                    position += skip
                    break
            else:
                return None
            index += 1
            continue
        if position >= len(ids) or not ids[position] & slot:
            return None
        position += 1
        index += 1
    return position
