"""Red-flag rules: does a text (or a check-in answer's meaning) signal danger now?

When in doubt, alert: a false alert costs a nurse a minute, a missed one can cost a life. The
rules (content/safety.yaml, compiled by alerts/lexicon.py) are generous: prefixes, typos,
emoji, Spanish and Spanglish, a symptom and its body part with other words between them. A
found term is set aside only when the text plainly says it is not about the patient now:

  negated     "no fever", "sin fiebre", "no fever or chills" (its own clause only: "no fever
              but my chest hurts" still alerts for the chest)
  long past   "had a fever last week, fine since" (older than 48 hours, and nothing says it
              came back: "a week ago, and again tonight" alerts)
  not them    a pet, a television show or book, someone plainly outside the household
  a question  "what are the signs of infection?", "what should I do if I get a fever?"

Self-harm is never set aside by a negation, the past or a question ("not going to hurt
myself but I think about it", "how many pills would it take"). A temperature at or above the
threshold, a low oxygen reading or a pain score of 8 or more alert whatever the words around
them, unless the sentence is about someone else or long past.

The floor kept in code (`FLOOR_TERMS`, `FLOOR_THRESHOLD_C`) is matched even if content left
it out, and the document validator refuses such content anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lupus_sms.alerts.lexicon import Lexicon, add_terms, compile_lexicon, phrase_end
from lupus_sms.alerts.scope import (
    NEGATORS,
    ScopeRules,
    asks_in_general,
    compile_scope,
    set_aside,
)
from lupus_sms.alerts.temperatures import Temperature, find_temperatures, mentions_temperature
from lupus_sms.alerts.vitals import low_oxygen, repeated_episodes, severe_pain_score
from lupus_sms.alerts.wording import Sentence, plain, sentences

FLOOR_THRESHOLD_C = 38.0
LOWEST_OXYGEN_OK = 93  # a finger oximeter reading below this alerts (breathing)
# Severity decides the reply, the inbox order and how an alert looks: critical ones may be
# life-threatening within minutes, urgent ones need the care team today.
SEVERITIES = ("critical", "urgent")
# The categories, in the order a reply and an alert name them (most dangerous first), each
# with the floor of terms that content can never remove (English, then Spanish).
FLOOR_TERMS: dict[str, tuple[str, ...]] = {
    "self_harm": ("suicide", "kill myself", "suicidio", "matarme", "quiero morir"),
    "emergency": ("emergency", "911", "ambulance", "emergencia", "ambulancia"),
    "breathing": ("cant breathe", "short of breath", "no puedo respirar", "falta de aire"),
    "chest_pain": ("chest pain", "dolor de pecho"),
    "neurological": ("seizure", "fainted", "confused", "convulsion", "desmayo", "confundido"),
    "allergic_reaction": ("throat closing", "lips swelling", "garganta cerrada"),
    "bleeding": ("bleeding", "sangrado", "sangrando"),
    "fever": ("fever", "chills", "fiebre", "escalofrios"),
    "blood_clot": ("leg swollen", "pierna hinchada"),
    "central_line": ("line came out", "se salio el cateter"),
    "dehydration": (
        "cant keep fluids down",
        "vomiting all day",
        "no puedo retener",
        "vomitando todo",
    ),
    "severe_pain": ("unbearable pain", "dolor insoportable"),
}
CATEGORIES = tuple(FLOOR_TERMS)
RED_FLAG_CATEGORIES = frozenset(CATEGORIES)
NEVER_SET_ASIDE = frozenset({"self_harm"})  # only "not about the patient" applies to it
CONCERN = "concern"  # symptom-like words that fall short of a red flag


@dataclass(frozen=True)
class Reading:
    """What the rules found: red-flag categories (most dangerous first), temperatures, and
    whether the text has symptom-like words short of a red flag (`concern`)."""

    categories: tuple[str, ...] = ()
    temperatures: tuple[Temperature, ...] = ()
    concern: bool = False
    evidence: tuple[str, ...] = ()  # "fever: chills", for the evaluation's list of misses

    @property
    def red_flag(self) -> bool:
        return bool(self.categories)

    @property
    def self_harm(self) -> bool:
        return "self_harm" in self.categories


@dataclass(frozen=True)
class SafetyRules:
    threshold_c: float
    lexicon: Lexicon
    scope: ScopeRules
    severity: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        return CATEGORIES


def compile_rules(document: dict, *, with_floor: bool = True) -> SafetyRules:
    """Build the rules from content/safety.yaml, including the floor kept in code (the
    validator compiles without it, to see what the document alone still reads)."""
    try:
        threshold = float(document.get("fever_threshold_c", FLOOR_THRESHOLD_C))
    except (TypeError, ValueError):
        threshold = FLOOR_THRESHOLD_C
    categories = [*CATEGORIES, CONCERN]
    lexicon = compile_lexicon({**document, "red_flags": _with_concern(document)}, categories)
    for category, terms in FLOOR_TERMS.items() if with_floor else ():
        add_terms(lexicon, category, list(terms), {})
    scope = compile_scope(document.get("context") or {})
    flags = document.get("red_flags") or {}
    severity = {
        c: str((flags.get(c) or {}).get("severity") or "urgent") if c != "self_harm" else "critical"
        for c in CATEGORIES
    }
    return SafetyRules(
        threshold_c=min(threshold, FLOOR_THRESHOLD_C),
        lexicon=lexicon,
        scope=scope,
        severity=severity,
        problems=tuple(lexicon.problems + scope.problems),
    )


def _with_concern(document: dict) -> dict:
    return {**(document.get("red_flags") or {}), CONCERN: document.get("concern") or {}}


def read_text(
    text: str,
    rules: SafetyRules,
    *,
    meanings: tuple[str, ...] | list[str] = (),
    expect_temperature: bool = False,
) -> Reading:
    """The red-flag reading of one message, plus what an open check-in made of it."""
    found: dict[str, str] = {m: f"{m}: check-in answer" for m in meanings if m in CATEGORIES}
    concern = CONCERN in meanings
    symbols = {c for symbol, c in rules.lexicon.emoji.items() if symbol in text}
    concern = concern or CONCERN in symbols
    for category in sorted(symbols - {CONCERN}):
        found.setdefault(category, f"{category}: emoji")
    if _only_a_cry_for_help(text):
        found.setdefault("emergency", "emergency: a cry for help")
    temperatures: list[Temperature] = []
    expect_temperature = expect_temperature or mentions_temperature(text)
    previous_subject = None
    parts = sentences(text)
    asking = any(asks_in_general(sentence, rules.scope.lexicon) for sentence in parts)
    by_sentence: list[dict[str, str]] = []
    for sentence in parts:
        context = rules.scope.context_of(sentence, previous_subject, asking=asking)
        previous_subject = context.subject
        terms, covered = _matches(sentence, rules)
        sentence_temperatures, numbers = _numbers(sentence, rules, expect_temperature)
        temperatures += sentence_temperatures
        here: dict[str, str] = {}
        answered = _answered_at(sentence)
        for numeric, matches in ((False, terms), (True, numbers)):
            for category, evidence, positions in matches:
                reason = set_aside(
                    sentence, context, category, positions, terms=covered, numeric=numeric
                )
                denied = answered is not None and not numeric and category != "self_harm"
                if reason is None and denied:
                    reason = "negated" if positions[0] < answered else None
                if reason is None and category == CONCERN:
                    concern = True
                elif reason is None:
                    here.setdefault(category, evidence)
                elif reason == "question" and category != CONCERN:
                    concern = True  # a symptom asked about: a person should look, no alarm
        by_sentence.append(here)
    for index, here in enumerate(by_sentence):
        if index + 1 < len(parts) and _answered_no(parts[index], parts[index + 1]):
            here = {c: e for c, e in here.items() if c == "self_harm"}
            concern = True
        for category, evidence in here.items():
            found.setdefault(category, evidence)
    ordered = tuple(c for c in CATEGORIES if c in found)
    return Reading(
        categories=ordered,
        temperatures=tuple(temperatures),
        concern=concern and not ordered,
        evidence=tuple(found[c] for c in ordered),
    )


_DENIALS = frozenset(["no", "none", "nope", "nah", "nada", "negative", "ninguno", "ninguna", "nop",
                      "nothing", "neither", "nunca", "never"])  # fmt: skip
_ASKED = frozenset(
    ["about", "asked", "asks", "ask", "sobre", "pregunto", "preguntaron", "pregunta"]
)


def _answered_no(named: Sentence, answer: Sentence) -> bool:
    """ "puntitos rojos? nope, me revise toda la piel", "text me about chest pain. none": the
    sentence that names a symptom asks about it, and the next one answers no."""
    asked = named.asks or any(word in _ASKED for word in named.words)
    first_clause = [w for w, c in zip(answer.words, answer.clauses, strict=True) if c == 0]
    return asked and bool(first_clause) and all(word in _DENIALS for word in first_clause)


_HELP_WORDS = frozenset(["help", "me", "us", "please", "pls", "plz", "now", "ayuda", "ayudame",
                         "ayudenme", "por", "favor", "ya", "auxilio", "socorro"])  # fmt: skip


def _only_a_cry_for_help(text: str) -> bool:
    """ "help me", "HELP US PLEASE", "ayudenme": a whole text of nothing but help words. HELP
    alone is the carriers' keyword (answered with how to reach the clinic), not this."""
    words = plain(text).split()
    return 1 < len(words) <= 5 and set(words) <= _HELP_WORDS and set(words) & {"me", "us", "now"}


_TRAILING_NO = re.compile(r"[.?!:;]\s+(?:no|none|nope|nah|nada|negative|ninguno|ninguna|nop)\W*$")


def _answered_at(sentence: Sentence) -> int | None:
    """ "puntitos rojos? nope, me revise", "text me about chest pain. none.": a question (or
    what someone asked about), then a clause that is only a no. Returns where the no stands:
    what the words before it name was asked, and denied."""
    asked = "?" in sentence.text or any(word in _ASKED for word in sentence.words)
    if not asked:
        return None
    if _TRAILING_NO.search(sentence.text) and sentence.words[-1] in _DENIALS:
        return len(sentence.words) - 1
    if "?" not in sentence.text:
        return None
    for clause in range(1, sentence.clauses[-1] + 1):
        at = [i for i, c in enumerate(sentence.clauses) if c == clause]
        if at and all(sentence.words[i] in _DENIALS for i in at):
            return at[0]
    return None


def _numbers(sentence: Sentence, rules: SafetyRules, expect_temperature: bool):
    """Temperatures, oxygen and pain scores of one sentence, as matches at their words."""
    temperatures = find_temperatures(sentence.text, expect_temperature=expect_temperature)
    matches = []
    hot = max(temperatures, key=lambda t: t.celsius, default=None)
    if hot is not None and hot.celsius >= rules.threshold_c - 0.5:
        category = "fever" if hot.celsius >= rules.threshold_c else CONCERN
        matches.append((category, f"{category}: {hot.describe()}", hot.written))
    oxygen = low_oxygen(sentence.text, below=LOWEST_OXYGEN_OK)
    if oxygen is not None:
        matches.append(("breathing", f"breathing: oxygen {oxygen}%", str(oxygen)))
    score = severe_pain_score(sentence.text)
    if score is not None:
        matches.append(("severe_pain", f"severe_pain: pain {score}/10", str(score)))
    episodes = repeated_episodes(sentence.text)
    if episodes is not None:
        matches.append(("dehydration", f"dehydration: {episodes} times", str(episodes)))
    return temperatures, [(c, e, _span_of(sentence, written)) for c, e, written in matches]


def _span_of(sentence: Sentence, written: str) -> tuple[int, ...]:
    """Where a number stands among the sentence's words (its clause decides its time)."""
    digits = "".join(ch for ch in written if ch.isdigit() or ch in ".,")[:3].strip(".,")
    for index, word in enumerate(sentence.words):
        if digits and word.startswith(digits):
            return (index,)
    return (0,)


def _matches(sentence: Sentence, rules: SafetyRules):
    """(category, evidence, word positions) of every term and near rule in the sentence, and
    the positions of every word the lexicon knows (a negation reaches over a list of them:
    "no cough, fever or chills")."""
    lexicon = rules.lexicon
    ids = [lexicon.word_ids(word) for word in sentence.words]
    symptom_words = frozenset(
        i
        for i, word_ids in enumerate(ids)
        if word_ids & lexicon.content_ids and sentence.words[i] not in NEGATORS
    )
    found = []
    for start, word_ids in enumerate(ids):
        for first in word_ids:
            for phrase in lexicon.phrases_by_first.get(first, ()):
                end = phrase_end(phrase.slots, ids, start)
                if end is not None:
                    words = " ".join(sentence.words[start:end])
                    positions = tuple(range(start, end))
                    found.append((phrase.category, f"{phrase.category}: {words}", positions))
    for rule in lexicon.near_rules:
        positions = _near_positions(rule.groups, ids, rule.within)
        if positions is not None:
            words = " ".join(sentence.words[p] for p in positions)
            found.append((rule.category, f"{rule.category}: {words}", positions))
    matched = frozenset(p for *_found, positions in found for p in positions)
    return found, symptom_words | matched


def _near_positions(groups, ids: list[frozenset[int]], within: int) -> tuple[int, ...] | None:
    """The closest words, one of every group, when at most `within` words stand between."""
    positions = [[i for i, word in enumerate(ids) if word & group] for group in groups]
    if not all(positions):
        return None
    best = None
    for anchor in positions[0]:
        chosen = [anchor]
        for others in positions[1:]:
            chosen.append(min(others, key=lambda i: abs(i - anchor)))
        width = max(chosen) - min(chosen)
        if width - 1 <= within and (best is None or width < max(best) - min(best)):
            best = chosen
    return tuple(sorted(set(best))) if best else None


def plain_words(text: str) -> list[str]:
    """Lower-case words without accents or apostrophes: "Can't BREATHE!" -> [cant, breathe]."""
    return [word for sentence in sentences(text) for word in sentence.words]
