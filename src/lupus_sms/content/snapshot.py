"""An immutable, validated view of the live content, with lookup tables built once.

The webhook reads only this in-memory object: it never parses YAML or queries content per
request. `ContentError` lists every problem found, so an editor sees them all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lupus_sms.content.schemas import CARE_TEAM_POINTER, RESERVED_WORDS, Topic, placeholders_in
from lupus_sms.content.segments import analyze

MAX_SEGMENTS_PER_PART = 2
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

    @classmethod
    def build(
        cls,
        *,
        topics: list[Topic],
        messages: dict[str, str],
        version: int,
        documents: dict[str, object] | None = None,
    ):
        documents = documents or {}
        problems = validate_messages(messages)
        if not problems:
            problems = validate_topics(topics, more_marker=messages["more_marker"])
        problems += validate_documents(documents)
        if problems:
            raise ContentError(problems)
        ordered = tuple(sorted(topics, key=lambda t: t.menu_number))
        by_word: dict[str, Topic] = {}
        for topic in ordered:
            for word in (topic.keyword, *topic.aliases):
                by_word[word.replace(" ", "")] = topic
        return cls(
            topics=ordered,
            messages=dict(messages),
            version=version,
            documents=dict(documents),
            by_word=by_word,
            by_number={t.menu_number: t for t in ordered},
            by_key={t.key: t for t in ordered},
        )

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

    def menu(self) -> str:
        lines = "\n".join(f"{t.menu_number} {t.keyword} - {t.title}" for t in self.topics)
        return self.text("menu", topics=lines)


DocumentValidator = Callable[[object], list[str]]
_document_validators: dict[str, DocumentValidator] = {}


def register_document_validator(name: str, validator: DocumentValidator) -> None:
    """A domain checks its own document (unknown placeholders, thresholds) on every load/edit."""
    _document_validators[name] = validator


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


def validate_parts(topic: Topic, *, more_marker: str) -> list[str]:
    problems = []
    total = len(topic.parts)
    for index, part in enumerate(topic.parts):
        if placeholders_in(part):
            problems.append(f"{topic.key} part {index + 1}: topics take no placeholders")
        marker = more_marker.format(part=index + 1, total=total) if index < total - 1 else ""
        if analyze(part + marker).segments > MAX_SEGMENTS_PER_PART:
            problems.append(
                f"{topic.key} part {index + 1}: longer than {MAX_SEGMENTS_PER_PART} SMS segments"
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
        unknown = placeholders_in(messages[name]) - allowed
        if unknown:
            problems.append(f"messages.{name}: unknown placeholder(s) {sorted(unknown)}")
    return problems
