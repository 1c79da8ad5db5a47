"""An immutable, validated view of the live content, with lookup tables built once.

The webhook reads only this in-memory object: it never parses YAML or queries content per
request. `ContentError` lists every problem found, so an editor sees them all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lupus_sms.content.limits import LONG_VALUES, limit, segments_over
from lupus_sms.content.menu import menu_pages, menu_problems
from lupus_sms.content.schemas import CARE_TEAM_POINTER, RESERVED_WORDS, Topic, placeholders_in
from lupus_sms.content.segments import analyze
from lupus_sms.content.translation import (
    Translation,
    missing_items,
    overlay_documents,
    validate_translation,
)
from lupus_sms.content.wording import REQUIRED_WORDING, consent_wording_problems

ENGLISH = "en"

MESSAGE_PLACEHOLDERS = {
    "program_name": set(),
    "menu": {"program_name", "topics"},
    "help": {"program_name"},
    "unknown_hint": {"program_name"},
    "did_you_mean": {"keyword", "title", "program_name"},
    "more_marker": {"part", "total"},
    "no_more": {"program_name"},
    "end_of_topic": {"title", "program_name"},
    "empty": {"program_name"},
    "opt_out_confirmation": {"program_name"},
    "opt_in_confirmation": {"program_name"},
    # No program_name in the invitation: it may reach a wrong number (see messages.yaml).
    "consent_invitation": {"clinic_name"},
    "consent_confirmation": {"clinic_name", "program_name"},
    "consent_which_clinic": {"choices", "program_name"},
    # The answer to a language switch word (ESPANOL, ENGLISH), in the new language.
    "language_changed": {"program_name"},
}


class ContentError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ContentSnapshot:
    topics: tuple[Topic, ...]
    messages: dict[str, str]
    version: int
    # Other content files by name ("plans", "checkins", "safety"): parsed YAML that the owning
    # domain validates (see `register_document_validator`).
    documents: dict[str, object] = field(default_factory=dict)
    by_word: dict[str, Topic] = field(default_factory=dict)
    by_number: dict[int, Topic] = field(default_factory=dict)
    by_key: dict[str, Topic] = field(default_factory=dict)
    # The language of this view. Every view answers keywords of every language, with its own
    # texts; what a language lacks comes from English, item by item (content/translation.py).
    language: str = ENGLISH
    views: dict[str, ContentSnapshot] = field(default_factory=dict, compare=False, repr=False)
    # Per language, what it lacks and takes from English ("topic:risks", "messages.help").
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    translations: dict[str, Translation] = field(default_factory=dict, repr=False)
    # Keywords that belong to one language only: a number's first keyword sets its language.
    word_languages: dict[str, str] = field(default_factory=dict, repr=False)
    # MENU in pages that each fit the menu page limit (content/menu.py), built once.
    menu_pages: tuple[str, ...] = ()
    # The discreet form of this view (content/discreet.py, `for_privacy`), and the detailed
    # view it was made from.
    discreet: bool = False
    detailed_view: ContentSnapshot | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        *,
        topics: list[Topic],
        messages: dict[str, str],
        version: int,
        documents: dict[str, object] | None = None,
        translations: dict[str, Translation] | None = None,
    ):
        documents = documents or {}
        translations = translations or {}
        problems = validate_messages(messages)
        if not problems:
            problems = validate_topics(topics, more_marker=messages["more_marker"])
        problems += validate_documents(documents)
        english_topics = {t.key: t for t in topics}
        for language, translation in translations.items():
            problems += validate_translation(
                language,
                translation,
                topics=english_topics,
                messages=messages,
                documents=documents,
            )
        words = _words_of(topics, translations, problems)
        if problems:
            raise ContentError(problems)
        views: dict[str, ContentSnapshot] = {}
        shared = {
            "version": version,
            "views": views,
            "translations": dict(translations),
            "word_languages": _word_languages(topics, translations),
        }
        missing = {
            language: missing_items(
                translation, topics=english_topics, messages=messages, documents=documents
            )
            for language, translation in translations.items()
        }
        views[ENGLISH] = cls._view(
            ENGLISH, topics, messages, dict(documents), words, missing=missing, **shared
        )
        for language, translation in translations.items():
            views[language] = cls._view(
                language,
                [translation.topics.get(t.key, t) for t in topics],
                {**messages, **translation.messages},
                overlay_documents(documents, translation),
                words,
                missing=missing,
                **shared,
            )
        problems = [p for view in views.values() for p in view_problems(view)]
        if problems:
            raise ContentError(problems)
        return views[ENGLISH]

    @classmethod
    def _view(cls, language, topics, messages, documents, words, **shared):
        ordered = tuple(sorted(topics, key=lambda t: t.menu_number))
        by_key = {t.key: t for t in ordered}
        pages = menu_pages(
            messages["menu"],
            [f"{t.menu_number} {t.keyword} - {t.title}" for t in ordered],
            more_marker=messages["more_marker"],
            program_name=messages["program_name"],
        )
        return cls(
            topics=ordered,
            messages=dict(messages),
            documents=documents,
            by_word={word: by_key[key] for word, key in words.items()},
            by_number={t.menu_number: t for t in ordered},
            by_key=by_key,
            language=language,
            menu_pages=tuple(pages),
            **shared,
        )

    def for_language(self, language: str | None) -> ContentSnapshot:
        """This content in `language` (English for an unknown or unset language)."""
        return self.views.get(language or ENGLISH) or self.views.get(ENGLISH) or self

    def text(self, name: str, **values: object) -> str:
        """A system message with its placeholders filled in."""
        return self.messages[name].format(program_name=self.messages["program_name"], **values)

    def topic_part(self, topic: Topic, index: int) -> str:
        """Part `index` of a topic as sent: non-final parts carry the MORE marker."""
        text = topic.parts[index]
        total = len(topic.parts)
        if index < total - 1:
            text += self.text("more_marker", part=index + 1, total=total)
        return text

    def document(self, name: str) -> object:
        """A parsed content document such as "plans"; KeyError when it does not exist."""
        return self.documents[name]

    def menu(self, page: int = 0) -> str:
        """Page `page` of MENU (the first by default); MORE sends the next."""
        return self.menu_pages[page]


DocumentValidator = Callable[[object], list[str]]
_document_validators: dict[str, DocumentValidator] = {}
# A check of a whole language view, for rules that span files (the consent texts' frequency
# against the plans, a safety reply followed by the opt-out confirmation).
ViewCheck = Callable[["ContentSnapshot"], list[str]]
_view_checks: list[ViewCheck] = []


def register_view_check(check: ViewCheck) -> None:
    if check not in _view_checks:
        _view_checks.append(check)


def view_checks() -> list[ViewCheck]:
    """The registered checks, for a derived view that must pass them too (content/discreet.py)."""
    return list(_view_checks)


def view_problems(view: ContentSnapshot) -> list[str]:
    """Menu pages, carriers' consent wording, English message sizes, the domains' checks."""
    label = "" if view.language == ENGLISH else f"{view.language}/"
    problems = [f"{label}{p}" for p in menu_problems(list(view.menu_pages))]
    fallen_back = set(view.missing.get(view.language, ()))
    for name in REQUIRED_WORDING:
        # A text still missing in this language is sent in English: checked as English.
        language = ENGLISH if f"messages.{name}" in fallen_back else view.language
        problems += [
            f"{label}messages.{name}: {p}"
            for p in consent_wording_problems(name, view.messages[name], language)
        ]
    if view.language == ENGLISH:
        problems += message_size_problems(view.messages)
    for check in _view_checks:
        problems += [f"{label}{p}" for p in check(view)]
    return problems


def message_size_problems(messages: dict[str, str]) -> list[str]:
    values = LONG_VALUES | {"program_name": messages["program_name"]}
    problems = []
    for name, text in messages.items():
        if name == "menu" or name not in MESSAGE_PLACEHOLDERS:
            continue  # the menu is measured by its pages
        try:
            problem = segments_over(text.format(**values), "message")
        except (KeyError, IndexError, ValueError):
            continue  # an unknown placeholder is reported by validate_messages
        if problem:
            problems.append(f"messages.{name}: {problem}")
    return problems


_save_checks: dict[str, DocumentValidator] = {}


def register_document_validator(name: str, validator: DocumentValidator) -> None:
    """A domain checks its own document (unknown placeholders, thresholds) on every load/edit."""
    _document_validators[name] = validator


def register_document_save_check(name: str, check: DocumentValidator) -> None:
    """A slower check a domain runs only when an admin saves or approves its document (the
    red-flag evaluation), not on every load."""
    _save_checks[name] = check


def save_check_problems(name: str, document: object) -> list[str]:
    check = _save_checks.get(name)
    return [f"{name}: {problem}" for problem in check(document)] if check else []


def validate_documents(documents: dict[str, object]) -> list[str]:
    problems: list[str] = []
    for name, document in documents.items():
        validator = _document_validators.get(name)
        if validator is not None:
            problems += [f"{name}: {problem}" for problem in validator(document)]
    return problems


def validate_topics(topics: list[Topic], *, more_marker: str) -> list[str]:
    problems: list[str] = []
    seen_words: dict[str, str] = {}
    seen_numbers: dict[int, str] = {}
    for topic in topics:
        if topic.menu_number in seen_numbers:
            problems.append(
                f"{topic.key}: menu number {topic.menu_number} is also "
                f"{seen_numbers[topic.menu_number]}"
            )
        seen_numbers[topic.menu_number] = topic.key
        for word in (topic.keyword, *topic.aliases):
            compact = word.replace(" ", "")
            if compact in RESERVED_WORDS or compact.isdigit():
                problems.append(f"{topic.key}: {word} is a reserved word")
            elif compact in seen_words and seen_words[compact] != topic.key:
                problems.append(f"{topic.key}: {word} is already used by {seen_words[compact]}")
            seen_words[compact] = topic.key
        problems += validate_parts(topic, more_marker=more_marker)
    return problems


def _words_of(
    topics: list[Topic], translations: dict[str, Translation], problems: list[str]
) -> dict[str, str]:
    """Every keyword and alias of every language -> topic key: all of them route."""
    words: dict[str, str] = {}
    for topic in topics:
        for word in (topic.keyword, *topic.aliases):
            words[word.replace(" ", "")] = topic.key
    for language, translation in translations.items():
        for topic in translation.topics.values():
            for word in (topic.keyword, *topic.aliases):
                compact = word.replace(" ", "")
                if compact in RESERVED_WORDS or compact.isdigit():
                    problems.append(f"{language}/topic {topic.key}: {word} is a reserved word")
                elif words.setdefault(compact, topic.key) != topic.key:
                    problems.append(
                        f"{language}/topic {topic.key}: {word} is already used by {words[compact]}"
                    )
    return words


def _word_languages(topics: list[Topic], translations: dict[str, Translation]) -> dict[str, str]:
    spoken: dict[str, set[str]] = {}
    languages = [(ENGLISH, topics)]
    languages += [(name, list(t.topics.values())) for name, t in translations.items()]
    for language, language_topics in languages:
        for topic in language_topics:
            for word in (topic.keyword, *topic.aliases):
                spoken.setdefault(word.replace(" ", ""), set()).add(language)
    return {word: next(iter(found)) for word, found in spoken.items() if len(found) == 1}


def validate_parts(topic: Topic, *, more_marker: str) -> list[str]:
    problems = []
    total = len(topic.parts)
    for index, part in enumerate(topic.parts):
        if placeholders_in(part):
            problems.append(f"{topic.key} part {index + 1}: topics take no placeholders")
        marker = more_marker.format(part=index + 1, total=total) if index < total - 1 else ""
        if analyze(part + marker).segments > limit("topic_part"):
            problems.append(
                f"{topic.key} part {index + 1}: longer than {limit('topic_part')} SMS segments"
            )
    if not CARE_TEAM_POINTER.search(topic.parts[-1]):
        problems.append(f"{topic.key}: the last part must point to the care team")
    return problems


def validate_messages(messages: dict[str, str]) -> list[str]:
    problems = []
    for name, allowed in MESSAGE_PLACEHOLDERS.items():
        if name not in messages:
            problems.append(f"messages: {name} is missing")
            continue
        if not str(messages[name]).strip():
            problems.append(f"messages.{name}: is empty (a patient would get silence)")
            continue
        unknown = placeholders_in(messages[name]) - allowed
        if unknown:
            problems.append(f"messages.{name}: unknown placeholder(s) {sorted(unknown)}")
    return problems
