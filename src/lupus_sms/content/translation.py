"""Other languages than English: content/es/ mirrors content/ and holds only the words.

A translation has topics (the same schema and `key` and `menu_number` as the English one),
`messages` and, for the documents, only their translatable strings keyed by the English
keys. Structure (offsets, options, red-flag terms, thresholds) lives in the English files
only, so it is never duplicated and never drifts.

Topics and messages are this package's own. Each other document is translated the way the
domain that owns it says (`register_document_translation`, the same way its validator is
registered): which strings it has and under which limit, what a language's file may hold,
and how its strings are put in place. This module checks every string the same way.

Anything a translation lacks falls back to English, item by item; `missing_items` lists it
for the admin.

Segments, decided per text: long texts (topics, reminders) use GSM-7-safe spelling (é, ñ,
ü, ¿ and ¡ are GSM-7; á, í, ó and ú are not), short ones may keep full accents when they
still fit their limit (content/limits.py) in UCS-2. Any other character outside GSM-7
(curly quotes, emoji) is refused: it would only be a paste accident. A word whose meaning
changes without its accent ("invito") is refused: keep the accent or reword.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lupus_sms.content.limits import (
    LONG_VALUES,
    ONE_CLINIC_VALUES,
    limit,
    segments_over,
    sized_for_every_name,
)
from lupus_sms.content.schemas import Topic, placeholders_in
from lupus_sms.content.segments import GSM7_BASIC, GSM7_EXTENSION, analyze, describe_non_gsm
from lupus_sms.content.wording import meaning_accent_problems, symptom_call_problem

SPANISH = "es"
TRANSLATED_LANGUAGES = (SPANISH,)
# Accented capitals and small letters Spanish needs that GSM-7 lacks: using them is a choice.
INTENTIONAL_ACCENTS = frozenset("áíóúÁÍÓÚ")
_SENDABLE = GSM7_BASIC | GSM7_EXTENSION | INTENTIONAL_ACCENTS
CARE_TEAM_POINTERS = {
    SPANISH: re.compile(
        r"equipo (?:de (?:atenci[oó]n|salud|cuidados?)|m[eé]dico)|su m[eé]dico|cl[ií]nica",
        re.IGNORECASE,
    ),
}
UNMEASURED_MESSAGES = frozenset({"menu"})  # measured by its pages (content/menu.py)
# Limits (content/limits.py) of texts a clinic sends on its own: measured with every name.
CLINIC_INITIATED = frozenset({"reminder", "checkin_question"})
# Limits of texts that may tell a patient to call about a symptom (the 24/7 number required).
CALLING = frozenset({"reminder", "checkin_question", "checkin_reply"})
# The longest values of content/limits.py, with Spanish dates ("mie 30 sep").
SAMPLE_VALUES = LONG_VALUES | {"appointment_date": "mie 30 sep", "first_name": "Christopher"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Translation:
    """One language's texts as loaded from content/<language>/."""

    topics: dict[str, Topic] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    documents: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentTranslation:
    """How one content document is translated, as the domain that owns it registers it.

    Paths are within the document ("symptoms.question", "replies.ok_noted"); this module puts
    the document's name in front ("checkins.symptoms.question").
    """

    # The translatable strings of the English document, by path.
    strings: Callable[[dict], dict[str, str]]
    # The same paths, from a language's file of this document.
    translated: Callable[[dict], dict[str, str]]
    # The limit (content/limits.py) of the text at a path; None for a text that is never
    # sent (a title staff read), measured by no segment limit.
    limit: Callable[[str], str | None]
    # The English document with a language's strings in place; the English document itself
    # (the same object) when there is nothing to put in place.
    merge: Callable[[object, dict], object]
    # What a language's file may hold; the rest belongs in the English file.
    sections: frozenset[str]


_document_translations: dict[str, DocumentTranslation] = {}


def register_document_translation(name: str, translation: DocumentTranslation) -> None:
    """A domain says how its document is translated; registered at import of its package,
    like its validator, so it is known before any content is parsed."""
    _document_translations[name] = translation


def _registered() -> list[tuple[str, DocumentTranslation]]:
    """In the order of the content files, so that lists read the same in every process."""
    from lupus_sms.content.loader import DOCUMENTS  # the loader imports this module

    order = {name: index for index, name in enumerate(DOCUMENTS)}
    names = sorted(_document_translations, key=lambda name: (order.get(name, len(order)), name))
    return [(name, _document_translations[name]) for name in names]


def replies_of(data: dict) -> dict[str, str]:
    """The `replies: {name: text}` section of a document, by path ("replies.ok_noted")."""
    replies = data.get("replies") or {}
    if not isinstance(replies, dict):
        return {}
    return {f"replies.{name}": str(text) for name, text in replies.items()}


def strings_of_documents(documents: dict[str, object]) -> dict[str, str]:
    """The translatable strings of the English documents, by path ("plans.ahsct_day7")."""
    found: dict[str, str] = {}
    for name, translation in _registered():
        strings = translation.strings(documents.get(name) or {})
        found.update({f"{name}.{path}": text for path, text in strings.items()})
    return found


def strings_of_translation(translation: Translation) -> dict[str, str]:
    """The same paths as `strings_of_documents`, from a translation's document files."""
    found: dict[str, str] = {}
    for name, document_translation in _registered():
        strings = document_translation.translated(translation.documents.get(name) or {})
        found.update({f"{name}.{path}": text for path, text in strings.items()})
    return found


def validate_translation(
    language: str,
    translation: Translation,
    *,
    topics: dict[str, Topic],
    messages: dict[str, str],
    documents: dict[str, object],
) -> list[str]:
    """Problems of a translation against the English content it translates."""
    problems: list[str] = []
    samples = {**SAMPLE_VALUES, "program_name": messages.get("program_name", "")}
    for name, text in translation.messages.items():
        if name not in messages:
            problems.append(f"{language}/messages: {name} has no English message")
            continue
        kind = None if name in UNMEASURED_MESSAGES else "message"
        where = f"{language}/messages.{name}"
        problems += _text_problems(where, text, messages[name], kind, samples)
    english = strings_of_documents(documents)
    for path, text in strings_of_translation(translation).items():
        if path not in english:
            problems.append(f"{language}/{path}: no such English text")
            continue
        where = f"{language}/{path}"
        problems += _text_problems(where, text, english[path], _kind(path), samples)
    problems += _document_shape_problems(language, translation)
    more_marker = translation.messages.get("more_marker", messages.get("more_marker", ""))
    for key, topic in translation.topics.items():
        problems += _topic_problems(language, topic, topics.get(key), more_marker)
    return problems


def _kind(path: str) -> str | None:
    """The limit of a document text, as its document's domain says ("checkins.x.question")."""
    name, within = path.split(".", 1)
    return _document_translations[name].limit(within)


def _document_shape_problems(language: str, translation: Translation) -> list[str]:
    problems = []
    for name, data in translation.documents.items():
        registered = _document_translations.get(name)
        allowed = registered.sections if registered else frozenset()
        extra = set(data) - allowed
        if extra:
            problems.append(
                f"{language}/{name}: only {sorted(allowed)} are translated "
                f"here; {sorted(extra)} belong in the English file"
            )
    return problems


def _text_problems(
    where: str, text: str, english: str, kind: str | None, samples: dict[str, str]
) -> list[str]:
    if placeholders_in(text) != placeholders_in(english):
        return [
            f"{where}: use the same placeholders as the English text "
            f"{sorted(placeholders_in(english))}"
        ]
    problems = sendable_problems(where, text)
    problems += [f"{where}: {p}" for p in meaning_accent_problems(text)]
    # Same facts: every number in the English (38.0, 100.4, 911, 988) must be kept.
    lost = [n for n in _NUMBER.findall(english) if n not in _NUMBER.findall(text)]
    if lost:
        problems.append(f"{where}: keep the English text's numbers {lost}")
    if kind in CALLING and (problem := symptom_call_problem(text)):
        problems.append(f"{where}: {problem}")
    if kind is not None and not problems:
        problems += _size_problems(where, text, kind, samples)
    return problems


def _size_problems(where: str, text: str, kind: str, samples: dict[str, str]) -> list[str]:
    if kind in CLINIC_INITIATED:
        one_clinic = ONE_CLINIC_VALUES | {"appointment_date": samples["appointment_date"]}
        return sized_for_every_name(where, text, one_clinic, kind=kind)
    if problem := segments_over(text.format(**samples), kind):
        return [f"{where}: {problem} (spell it GSM-7-safe or shorten it)"]
    return []


def sendable_problems(where: str, text: str) -> list[str]:
    """GSM-7 characters and the intentional Spanish accents only."""
    stray = [ch for ch in dict.fromkeys(text) if ch not in _SENDABLE]
    if not stray:
        return []
    labels = ", ".join(describe_non_gsm(stray))
    return [f"{where}: characters that are neither GSM-7 nor Spanish accents: {labels}"]


def _topic_problems(
    language: str, topic: Topic, english: Topic | None, more_marker: str
) -> list[str]:
    where = f"{language}/topic {topic.key}"
    if english is None:
        return [f"{where}: no English topic with this key"]
    problems = []
    if topic.menu_number != english.menu_number:
        problems.append(f"{where}: menu number must stay {english.menu_number}")
    total = len(topic.parts)
    for index, part in enumerate(topic.parts):
        label = f"{where} part {index + 1}"
        if placeholders_in(part):
            problems.append(f"{label}: topics take no placeholders")
            continue
        problems += sendable_problems(label, part)
        problems += [f"{label}: {p}" for p in meaning_accent_problems(part)]
        marker = more_marker.format(part=index + 1, total=total) if index < total - 1 else ""
        info = analyze(part + marker)
        if info.segments > limit("topic_part"):
            problems.append(
                f"{label}: {info.segments} {info.encoding} segments, at most {limit('topic_part')}"
            )
    if not CARE_TEAM_POINTERS[language].search(topic.parts[-1]):
        problems.append(f"{where}: the last part must point to the care team")
    return problems


def overlay_documents(documents: dict[str, object], translation: Translation) -> dict:
    """The English documents with this language's strings in place (structure shared)."""
    merged = dict(documents)
    for name, document_translation in _registered():
        translated = translation.documents.get(name) or {}
        if name in documents and translated:
            merged[name] = document_translation.merge(documents[name], translated)
    return merged


def missing_items(
    translation: Translation,
    *,
    topics: dict[str, Topic],
    messages: dict[str, str],
    documents: dict[str, object],
) -> tuple[str, ...]:
    """What this language lacks and takes from English ("topic:risks", "messages.help")."""
    missing = [f"topic:{key}" for key in sorted(topics) if key not in translation.topics]
    missing += [f"messages.{name}" for name in messages if name not in translation.messages]
    translated = strings_of_translation(translation)
    missing += [path for path in strings_of_documents(documents) if path not in translated]
    return tuple(missing)
