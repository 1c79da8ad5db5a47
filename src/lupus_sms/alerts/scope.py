"""When a red-flag term found in a text is plainly not about the patient now.

Each sentence gets a context from the marker phrases of content/safety.yaml (`context:`):
whether it speaks of the long past ("last week") or of now ("again", "tonight"), of an
episode that is over ("been fine since"), who its subject is (a pet, a show, someone outside
the household, or the patient and their household), whether it asks a general question or
supposes ("what if"). A term is then set aside for one of these reasons, and kept otherwise:
when in doubt, alert.

  other     about a show or book (the whole sentence), or a pet or someone outside the
            household: the nearest person or animal named before the term (else after it)
  past      older than 48 hours ("last week", "5 days ago", "back in March") and nothing
            says it is back ("and again tonight"); or over ("fine since") for 3+ days
  question  a general question or a supposition ("what are the signs of a clot?", "what
            should I do if I get a fever?")
  routine   part of an everyday phrase ("blood test", "the ER entrance", "dying to know")
  negated   a negator before the term in its clause ("no fever", "sin fiebre", "hasnt had
            any chills"), over a list ("no cough, fever or chills"), or "free" after it

Self-harm is only ever set aside as "other" or "routine". Readings (a temperature, an oxygen
level, a pain score) are never negated, and are a question only when nothing reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lupus_sms.alerts.lexicon import Lexicon, add_terms, phrase_end
from lupus_sms.alerts.wording import Sentence

MARKERS = (
    *("long_ago", "recent", "again", "resolved", "back_reference", "pets", "media"),
    *("outsiders", "patient", "questions", "if", "reports", "routine", "topics"),
)
# A sentence that opens with one of these and ends with "?" asks, it does not report
# (without the "?" these words often open a report: "when I walk my chest hurts").
QUESTION_WORDS = frozenset(
    [
        "what",
        "whats",
        "how",
        "when",
        "which",
        "why",
        "who",
        "whos",
        "cual",
        "cuales",
        "como",
        "cuando",
        "cuanto",
        "cuantos",
        "cuanta",
        "cuantas",
        "donde",
        "can",
        "could",
        "does",
        "do",
        "is",
        "are",
        "should",
        "will",
        "would",
        "que",
        "puedo",
        "puede",
        "pueden",
        "es",
        "son",
        "hay",
        "debo",
        "debe",
        "deberia",
    ]
)
# "told me", "in front of me": an English object, not the patient speaking of themselves.
_OBJECT_ME = frozenset(
    [
        "told",
        "tell",
        "tells",
        "telling",
        "said",
        "asked",
        "asks",
        "called",
        "calls",
        "texted",
        "gave",
        "give",
        "gives",
        "for",
        "to",
        "with",
        "at",
        "of",
        "from",
        "about",
        "sent",
        "showed",
        "shows",
        "front",
        "behind",
        "near",
    ]
)
TIMES = ("long_ago", "recent", "resolved")
# Categories a pet does not have: an animal named near them is part of the patient's story.
HUMAN_ONLY = frozenset({"self_harm", "central_line"})
NEGATORS = frozenset(
    [
        "no",
        "not",
        "without",
        "sin",
        "cero",
        "denies",
        "deny",
        "denied",
        "never",
        "nor",
        "none",
        "zero",
        "nope",
        "nah",
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
        "wont",
        "aint",
        "ningun",
        "ninguna",
        "ninguno",
        "nunca",
        "tampoco",
        "negative",
        "nada",
        "ni",
        "nothing",
    ]
)
# Words that may stand between a negator and the term: "no signs of fever", "no ha tenido
# fiebre", "hasnt had any chills", "no le duele el pecho", "no esta confundida".
FILLER = frozenset(
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
        "gotten",
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
        "his",
        "her",
        "their",
        "been",
        "feel",
        "feeling",
        "felt",
        "experiencing",
        "experienced",
        "noticed",
        "notice",
        "seen",
        "see",
        "seem",
        "seems",
        "seemed",
        "looks",
        "look",
        "shown",
        "showing",
        "show",
        "is",
        "was",
        "are",
        "were",
        "be",
        "i",
        "he",
        "she",
        "we",
        "they",
        "it",
        "its",
        "much",
        "at",
        "all",
        "did",
        "do",
        "does",
        "complained",
        "complain",
        "complaining",
        "mention",
        "mentioned",
        "so",
        "far",
        "today",
        "yet",
        "tengo",
        "tiene",
        "tienen",
        "tenia",
        "tenido",
        "tuvo",
        "tuve",
        "he",
        "ha",
        "han",
        "hemos",
        "habia",
        "hay",
        "habido",
        "me",
        "le",
        "les",
        "se",
        "lo",
        "la",
        "los",
        "las",
        "el",
        "un",
        "una",
        "unos",
        "unas",
        "mas",
        "de",
        "del",
        "mi",
        "su",
        "sus",
        "nos",
        "te",
        "siento",
        "sentido",
        "presenta",
        "presentado",
        "ya",
        "otra",
        "vez",
        "esta",
        "estoy",
        "estaba",
        "estuvo",
        "anda",
        "ando",
        "parece",
        "episodes",
        "episode",
        "problems",
        "problem",
        "issues",
        "issue",
        "trouble",
        "single",
        "gota",
        "era",
        "es",
        "sign",
    ]
)
LISTS = frozenset({"or", "nor", "o", "ni", "and", "y", "e"})
DOUBT = re.compile(
    r"\b(?:not sure|unsure|idk|dont know|dunno|no se (?:si|que|cual|como)|no se$|not certain|"
    r"maybe|might be|i think|creo que|a lo mejor|tal vez|quizas|could be|puede ser)\b"
)
_NUMBER_WORDS = (
    "three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few|couple of|"
    "tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|varios|varias|unos|unas"
)
# "5 days ago", "hace 3 dias", "2 weeks ago", "hace como dos semanas", "in 2019".
_COUNTED_PAST = re.compile(
    rf"\b(?:\d*[3-9]|\d{{2,}}|{_NUMBER_WORDS})\s+days?\s+ago\b"
    rf"|\bhace\s+(?:como\s+|unos\s+|unas\s+|mas\s+de\s+)?(?:\d*[3-9]|\d{{2,}}|{_NUMBER_WORDS})\s+dias\b"
    r"|\b(?:\d+|a|one|two|a couple|couple of|several|few|a few)\s+"
    r"(?:weeks?|months?|years?)\s+(?:ago|back)\b"
    r"|\bhace\s+(?:como\s+|unos\s+|unas\s+|mas\s+de\s+)?(?:\d+|un|una|dos|tres|varios|varias|"
    r"unos|unas|muchos|muchas)\s+(?:semanas?|mes|meses|anos?)\b"
    r"|\b(?:in|en|since|desde|back in|during)\s+(?:19|20)\d\d\b"
)
# "for 10 days now", "llevo 6 dias normal", "for a week": an episode over for 3+ days.
_LONG_WELL = re.compile(
    rf"\b(?:for|llevo|lleva|llevamos)\s+(?:\d*[3-9]|\d{{2,}}|{_NUMBER_WORDS}|a|una?)\s+"
    r"(?:days?|dias|weeks?|semanas?|months?|meses)\b"
)


@dataclass(frozen=True)
class SentenceContext:
    # Per clause, the time words it holds: {"long_ago", "recent", "resolved"}.
    times: tuple[frozenset[str], ...] = ()
    again_at: tuple[int, ...] = ()  # where "again", "its back" stand
    long_well: bool = False  # "fine for 10 days now"
    media_from: int | None = None  # the first word after which a show or book is the subject
    question_from: int | None = None  # the first word of a general question
    reported: bool = False
    asks: bool = False  # the sentence ends with "?"
    if_from: int | None = None  # the first clause after a supposition ("if I ever...")
    doubtful: bool = False
    # (position, kind) of every person or animal named: pets, outsiders or patient.
    actors: tuple[tuple[int, str], ...] = ()
    routine: tuple[tuple[int, int], ...] = ()  # spans of everyday phrases ("blood test")
    carried: str | None = None  # "pets" or "outsiders" from the sentence before

    @property
    def subject(self) -> str | None:
        """The subject carried to the next sentence ("My dog is sick. He threw up.")."""
        kinds = [kind for _position, kind in self.actors]
        if "patient" in kinds:
            return None
        if self.media_from is not None:
            return "media"
        return kinds[-1] if kinds else self.carried


@dataclass
class ScopeRules:
    lexicon: Lexicon = field(default_factory=Lexicon)
    problems: list[str] = field(default_factory=list)

    def context_of(
        self, sentence: Sentence, previous_subject: str | None, *, asking: bool = False
    ) -> SentenceContext:
        """`asking`: another sentence of the text asks in general ("para saber que vigilar"),
        so a sentence here that ends with "?" asks too."""
        found = _marker_spans(sentence, self.lexicon)
        # "la otra vez" (long ago) holds "otra vez" (again); "ya volvio a ser el mismo"
        # (over) holds "volvio a": the longer phrase says what is meant.
        told = [span for name in ("long_ago", "resolved") for span in found.get(name, ())]
        for name in ("again", "recent"):
            found[name] = [
                (s, e) for s, e in found.get(name, ()) if not any(a <= s < b for a, b in told)
            ]
        starts = {name: [start for start, _end in spans] for name, spans in found.items()}
        text = " ".join(sentence.words)
        if_clauses = [sentence.clauses[p] for p in starts.get("if", ())]
        return SentenceContext(
            times=_clause_times(sentence, starts, text, found),
            again_at=tuple(p for p in starts.get("again", ()) if not _after_negator(sentence, p)),
            long_well=bool(_LONG_WELL.search(text)),
            media_from=0 if previous_subject == "media" else _media_from(sentence, starts),
            question_from=0
            if asking and (sentence.asks or sentence.words[0] in QUESTION_WORDS)
            else _question_from(sentence, starts),
            reported=bool(starts.get("reports")),
            asks=sentence.asks,
            if_from=min(if_clauses) if if_clauses else None,
            doubtful=bool(DOUBT.search(text)),
            actors=_actors(sentence, starts),
            routine=tuple(found.get("routine", ())) + _topic_spans(sentence, found),
            carried=previous_subject if previous_subject in ("pets", "outsiders") else None,
        )


_TALKING = frozenset(["talking", "talks", "talked", "speaking", "habla", "hablando", "hablo", "le"])


def _media_from(sentence: Sentence, starts: dict) -> int | None:
    """Where a show or book becomes the subject; not "the tv is talking to him" (a symptom)."""
    for position in sorted(starts.get("media", ())):
        if not _TALKING & set(sentence.words[position + 1 : position + 3]):
            return position
    return None


def _topic_spans(sentence: Sentence, found: dict) -> tuple[tuple[int, int], ...]:
    """A paper about symptoms covers what it names, to the end of its clause and the next:
    "the fever and bleeding precautions sheet", "la hoja de precauciones de fiebre y sangrado"."""
    spans = []
    for start, _end in found.get("topics", ()):
        clause = sentence.clauses[start]
        first = min(i for i, c in enumerate(sentence.clauses) if c >= clause)
        last = max(i for i, c in enumerate(sentence.clauses) if c <= clause + 1)
        spans.append((first, last + 1))
    return tuple(spans)


def _first_person(sentence: Sentence, outsiders_at: tuple[int, ...] = ()) -> bool:
    """The patient or their household speaks of themselves somewhere in the sentence. The
    "my" of "my neighbor" only says whose neighbour: it does not count."""
    owning = {position - step for position in outsiders_at for step in (1, 2)}  # "my old"
    return any(
        word in _FIRST_PERSON and index not in owning for index, word in enumerate(sentence.words)
    )


_FIRST_PERSON = frozenset(
    [
        "i",
        "im",
        "ive",
        "id",
        "me",
        "my",
        "mine",
        "myself",
        "yo",
        "mi",
        "mis",
        "conmigo",
        "tengo",
        "estoy",
        "quiero",
        "puedo",
        "voy",
        "siento",
        "mother",
        "mom",
        "dad",
        "father",
        "husband",
        "wife",
        "esposo",
        "esposa",
        "mama",
        "papa",
        "hijo",
        "hija",
    ]
)


# Someone in a show or a story: "someone had a seizure", "a guy overdoses", "la muchacha".
# Not "he" or "she" (the patient's husband, as often as the show's), nor a household word,
# which is the show's only after an article ("el esposo" of a soap, not "my husband").
_THIRD_PERSON = frozenset(
    [
        *("someone", "somebody", "guy", "man", "woman", "girl", "boy", "lady", "character"),
        *("actor", "actress", "people", "patient"),
        *("alguien", "el", "ella", "ellos", "muchacha", "muchacho", "chica", "chico"),
        *("hombre", "mujer", "senor", "senora", "personaje", "actriz", "gente"),
        *("villain", "hero", "heroine", "protagonist"),
        *("villana", "villano", "protagonista", "heroina", "heroe", "paciente", "pacientes"),
        *("patients", "youtuber", "streamer", "influencer", "singer", "celebrity"),
        *("everyone", "everybody"),
    ]
)
_ARTICLES = frozenset(["the", "a", "an", "el", "la", "los", "las", "un", "una"])
_SHOWS = frozenset(["show", "shows", "reruns", "episode", "episodes", "series", "drama", "movie"])


def _possessive(word: str) -> bool:
    """ "husbands", "moms" (apostrophes are gone): whose something is, not who."""
    return len(word) > 3 and word.endswith("s") and word not in ("his", "hers", "mis", "sus")


def asks_in_general(sentence: Sentence, lexicon: Lexicon) -> bool:
    """Whether the sentence holds a general-question phrase ("para saber", "just curious")."""
    return bool(_marker_spans(sentence, lexicon).get("questions"))


def _question_from(sentence: Sentence, starts: dict) -> int | None:
    """Where a general question starts: a question phrase ("what are the signs of"), or a
    sentence that opens with a question word and ends with "?" ("when should I go to the
    ER?")."""
    marked = starts.get("questions", ())
    if marked:
        return min(marked)
    if sentence.asks and sentence.words[0] in QUESTION_WORDS and not _worried(sentence):
        return 0
    return None


# "is it normal that her leg is fat and warm?", "es normal que me duela el pecho?": a worry
# about what is happening, not a question in general (general ones say so: "is it normal
# for patients to...", a listed question phrase).
_WORRIED = re.compile(
    r"^(?:is (?:it|this|that) (?:normal|ok|okay|bad|serious|something)|should (?:i|we) "
    r"(?:be )?(?:worr\w*|concerned|call|go)|do (?:i|we) need to|es normal|sera normal|"
    r"es grave|es malo|debo preocupar\w*|deberia preocupar\w*)\b"
)


def _worried(sentence: Sentence) -> bool:
    return bool(_WORRIED.match(" ".join(sentence.words)))


def _clause_times(
    sentence: Sentence, starts: dict, text: str, spans: dict
) -> tuple[frozenset[str], ...]:
    """The time words of each clause. A recent word after a negator says the episode is over
    ("never came back"); a long-ago word after one says it is new ("wasnt like this last
    week"); "that was 3 weeks ago" also marks the clause before it (`back_reference`)."""
    clauses: list[set[str]] = [set() for _ in range(sentence.clauses[-1] + 1)]
    for name in TIMES:
        for position in starts.get(name, ()):
            negated_time = _after_negator(sentence, position)
            meant = {"recent": "resolved", "long_ago": "recent"}.get(name, name)
            clauses[sentence.clauses[position]].add(meant if negated_time else name)
    for position in starts.get("back_reference", ()):
        clause = sentence.clauses[position]
        if clause > 0:
            clauses[clause - 1].add("refers_on")
    for clause in range(len(clauses) - 1):
        # "on saturday, a week ago": a clause that is only a time marks the one before it.
        later = [
            w for w, c in zip(sentence.words, sentence.clauses, strict=True) if c == clause + 1
        ]
        if clauses[clause + 1] and len(later) <= 4:
            clauses[clause].add("refers_on")
    # Clauses begun by "and" share their time both ways ("had chills and a fever 4 days ago").
    for clause in sorted(sentence.joined, reverse=True):
        shared = (clauses[clause] | clauses[clause - 1]) - {"refers_on"}
        clauses[clause] |= shared
        clauses[clause - 1] |= shared
    for match in _COUNTED_PAST.finditer(text):
        position = len(text[: match.start()].split())
        clauses[sentence.clauses[min(position, len(sentence.words) - 1)]].add("long_ago")
    return tuple(frozenset(c) for c in clauses)


def _actors(sentence: Sentence, starts: dict) -> tuple[tuple[int, str], ...]:
    """People and animals named, in order. "el perro de mi hija": the dog, not the daughter;
    at one position "sister in law" (outsiders) beats "sister" (patient); "like someone"
    is a comparison, not a person."""
    named = sorted(
        ((position, kind) for kind in ("pets", "outsiders", "patient")
         for position in starts.get(kind, ())),
        key=lambda actor: (actor[0], actor[1] != "patient"),
    )  # fmt: skip
    actors: list[tuple[int, str]] = []
    for position, kind in named:
        before = sentence.words[max(0, position - 2) : position]
        owned = actors and actors[-1][1] != "patient"
        lives_with_us = sentence.words[position] in ("vive", "viven", "lives", "live")
        if (
            kind == "patient"
            and owned
            and not lives_with_us
            and ("de" in before or actors[-1][0] == position - 1)
        ):
            continue  # "el perro de mi hija", "my best friends dad": theirs, not ours
        if kind != "patient" and any(word in ("like", "como", "if") for word in before):
            continue  # "like someone is standing on my chest", "como si alguien"
        if sentence.words[position] == "me" and before[-1:] and before[-1] in _OBJECT_ME:
            continue  # "my coworker told me she had a seizure"
        if kind == "patient" and _possessive(sentence.words[position]):
            continue  # "a guy on my husbands bowling team": the team's, not the husband
        if kind == "patient" and before[-1:] and before[-1] in ("own", "propia", "propio"):
            kind = "outsiders"  # a carer's "my own mother" is not the patient
        actors.append((position, kind))
    return tuple(actors)


def compile_scope(document: dict) -> ScopeRules:
    lexicon = Lexicon()
    for marker in MARKERS:
        add_terms(lexicon, f"~{marker}", list(document.get(marker) or []), {})
    return ScopeRules(lexicon, lexicon.problems)


def set_aside(
    sentence: Sentence,
    context: SentenceContext,
    category: str,
    positions: tuple[int, ...],
    *,
    terms: frozenset[int],
    numeric: bool = False,
) -> str | None:
    """Why the term at these word positions is not a red flag about the patient now; None:
    it is. `terms` are the positions of every term of the sentence, so that a negation
    reaches over a list ("no cough, fever or chills").
    """
    start, end = positions[0], positions[-1] + 1
    inherently_negative = sentence.words[start] in NEGATORS  # "ni el suero", "no puede respirar"
    if not numeric and any(s <= p < e for s, e in context.routine for p in positions):
        return "routine"
    after_media = (
        context.media_from is not None
        and start >= context.media_from
        and not _own_after_media(sentence, start, end)
    )
    actor = _actor_of(context, start, numeric)
    if actor == "pets" and category in HUMAN_ONLY:
        actor = None  # "the cat pulled my line", "gave my dog away": the patient's
    if actor == "outsiders" and category == "self_harm":
        outsiders_at = tuple(p for p, kind in context.actors if kind == "outsiders")
        if _first_person(sentence, outsiders_at) or not context.actors:
            # "I gave my ring to the neighbour"; "Gave my jewelry to my niece. Wont be
            # needing it": someone named in the sentence before is no reason to stay silent.
            actor = None
    if after_media or actor in ("pets", "outsiders"):
        return "other"
    if category == "self_harm":
        return None
    clause = sentence.clauses[min(start, len(sentence.words) - 1)]
    if _long_past(context, clause) and not any(p > start for p in context.again_at):
        return "past"
    supposed = context.if_from is not None and clause >= context.if_from
    asked = context.question_from is not None and (start >= context.question_from or context.asks)
    if asked and _owned(sentence, start):
        asked = False  # "why is my whole arm swollen?" reports a swollen arm
    if (supposed or asked) and not (numeric and context.reported):
        return "question"
    if numeric:
        return None
    if context.doubtful or inherently_negative:
        return None
    if _is_run(positions) and negated(sentence, start, end, terms):
        return "negated"
    own = frozenset(positions)
    if not _is_run(positions) and any(negated(sentence, p, p + 1, terms, own) for p in positions):
        return "negated"  # "the line looks clean, no redness": its own word is negated
    return None


def _own_after_media(sentence: Sentence, start: int, end: int) -> bool:
    """A term after a show is named is still the patient's when the patient is its subject:
    "im watching tv and i want to die", "during the show my chest got tight", "watching tv.
    i took all my pills", "nobody would miss me". The nearest person named before it
    decides ("watching greys, someone had a seizure" is the show's; so is "the husband" of
    a soap, where "my husband" would be the patient's); nobody named, the show's ("a podcast
    about the overdose crisis")."""
    words = sentence.words
    if (_THIRD_PERSON | _SHOWS) & set(words[end : end + 2]):  # "chest pain patients"
        return False  # "watching ER reruns"
    if _FIRST_PERSON & set(words[start:end]) or {"me", "mi"} & set(words[end : end + 1]):
        return True  # "cant feel my arm", "nobody would miss me"
    for index in range(start - 1, -1, -1):
        if words[index] in _THIRD_PERSON:
            return False
        if words[index] in _FIRST_PERSON:
            return index == 0 or words[index - 1] not in _ARTICLES
    return False


def _owned(sentence: Sentence, start: int) -> bool:
    """A term right after "my", "his", "su"...: somebody's own body, not a question in general."""
    return any(word in _POSSESSIVES for word in sentence.words[max(0, start - 3) : start])


_POSSESSIVES = frozenset(
    ["my", "his", "her", "our", "mi", "su", "sus", "nuestra", "nuestro", "mis"]
)


def _is_run(positions: tuple[int, ...]) -> bool:
    return positions[-1] - positions[0] + 1 == len(positions)


def _actor_of(context: SentenceContext, position: int, numeric: bool) -> str | None:
    """Who a term is about: the nearest person or animal named before it (or in the sentence
    before, for "he" and "she"); nobody named means the patient."""
    if numeric:  # a reading belongs to the sentence: any patient named claims it
        kinds = {kind for _p, kind in context.actors}
        if "patient" in kinds:
            return "patient"
        return next(iter(kinds), context.carried)
    before = [kind for p, kind in context.actors if p <= position]
    if before:
        return before[-1]
    kinds = {kind for _p, kind in context.actors}
    if "pets" in kinds and "patient" not in kinds:
        return "pets"  # "our chucho has a fever, taking him to the vet"
    return context.carried


def _long_past(context: SentenceContext, clause: int) -> bool:
    """Older than 48 hours: the term's clause says so, or the nearest clause before it that
    speaks of time (or the next one, when it refers back: "that was 3 weeks ago"), and
    nothing there says it is happening now."""
    times = context.times[clause]
    if "refers_on" in times and clause + 1 < len(context.times):
        times = times | context.times[clause + 1]
    if not times & {"long_ago", "recent"}:
        earlier = (context.times[c] for c in range(clause - 1, -1, -1))
        times = times | next((t for t in earlier if t & {"long_ago", "recent"}), frozenset())
    if "long_ago" in times:
        return "resolved" in times or "recent" not in times
    return "resolved" in times and context.long_well


def _after_negator(sentence: Sentence, position: int) -> bool:
    """ "never came back", "no ha vuelto": a time word that says the episode is over."""
    before = sentence.words[max(0, position - 3) : position]
    return any(word in NEGATORS for word in before)


def negated(
    sentence: Sentence,
    start: int,
    end: int,
    terms: frozenset[int],
    own: frozenset[int] = frozenset(),
) -> bool:
    """A negator before the term (over filler words, and over a list of terms into earlier
    clauses: "no cough, fever or chills"), or "free" right after it ("fever free"). `own`:
    the positions of the term's other words, when a negator among them is part of it."""
    words = sentence.words
    if end < len(words) and words[end] in ("free", "libre"):
        return True
    index = start - 1
    only_list_so_far = True  # since the term: only list words and other terms
    while index >= 0:
        word = words[index]
        crossing = sentence.clauses[index] != sentence.clauses[index + 1]
        if crossing and not only_list_so_far:
            return False
        if word in NEGATORS and index in own:
            return False  # the rule itself speaks of an absence ("not peed", "no orina")
        if word in NEGATORS:
            return word != "without" or not _unable_before(words, index)
        if word in LISTS or index in terms:
            index -= 1
            continue
        if word not in FILLER:
            return False
        only_list_so_far = False
        index -= 1
    return False


def _unable_before(words: tuple[str, ...], index: int) -> bool:
    """ "cant walk without stopping", "no puedo comer sin vomitar": not a negation."""
    before = " ".join(words[max(0, index - 6) : index])
    return bool(re.search(r"\b(?:cant|cannot|unable|no puedo|no puede|cant even)\b", before))


def _marker_spans(sentence: Sentence, lexicon: Lexicon) -> dict[str, list[tuple[int, int]]]:
    ids = [lexicon.word_ids(word) for word in sentence.words]
    found: dict[str, list[tuple[int, int]]] = {}
    for start, word_ids in enumerate(ids):
        for first in word_ids:
            for phrase in lexicon.phrases_by_first.get(first, ()):
                end = phrase_end(phrase.slots, ids, start)
                if end is not None:
                    found.setdefault(phrase.category[1:], []).append((start, end))
    return found
