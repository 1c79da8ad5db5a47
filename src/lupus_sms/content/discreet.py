"""Discreet messages: what a lock screen shows says nothing about the patient's illness.

A text preview is read on a locked phone, a smartwatch and by anyone who shares the phone.
Each phone number has a privacy level (`phone_numbers.privacy_level`): `discreet`, the
default, or `detailed`, which the patient chooses by text (PRIVATE / DETAILS) or a clinic it
consented to records. Clinic-initiated texts and system messages of a discreet number come
from the discreet forms in content/discreet.yaml (content/es/discreet.yaml in Spanish): a
neutral program name, the clinic's neutral display name, and no word of the maintained list
in content/discreet_words.yaml. The detail comes only when the patient asks (FULL).

`for_privacy(view, level)` gives the discreet view of a language view: the same snapshot
with the discreet messages, the discreet MENU heading and the discreet plan and check-in
texts in place, so every caller that fills a text from a view (the inbound handlers, the
tick) needs no other change. Its `for_language` stays discreet. The domains say how their
documents take discreet texts (`register_discreet_overlay`), as they say how they are
translated. Safety replies and topics are never replaced: a red flag is answered in full,
and an education reply answers the keyword the patient sent.

The checks (a view check on every load and admin save): every plan text and check-in
question has its discreet form, each discreet text passes its document's own validator, the
carriers' wording and the size limits, and no discreet text (nor the consent invitation,
which is always discreet) holds a listed word.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lupus_sms.content.limits import LONG_VALUES, segments_over
from lupus_sms.content.menu import menu_pages, menu_problems
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.snapshot import (
    ENGLISH,
    MESSAGE_PLACEHOLDERS,
    ContentSnapshot,
    register_document_validator,
    register_view_check,
    validate_documents,
    view_checks,
)
from lupus_sms.content.translation import DocumentTranslation, register_document_translation
from lupus_sms.content.wording import REQUIRED_WORDING, consent_wording_problems

DISCREET, DETAILED = "discreet", "detailed"
PRIVACY_LEVELS = (DISCREET, DETAILED)
# The patient's words for them (inbound/privacy.py answers them; a care-team conversation lets
# them through, threads/inbound.py): the privacy level is the patient's own control.
LEVEL_WORDS = {
    "PRIVATE": DISCREET,
    "PRIVADO": DISCREET,
    "PRIVADA": DISCREET,
    "DETAILS": DETAILED,
    "DETALLES": DETAILED,
}
FULL_WORDS = frozenset({"FULL", "COMPLETO"})
PRIVACY_WORDS = frozenset(LEVEL_WORDS) | FULL_WORDS
NAME, WORDS = "discreet", "discreet_words"
# Messages every discreet document has, with the placeholders each may use.
DISCREET_MESSAGES = {
    name: MESSAGE_PLACEHOLDERS[name]
    for name in (
        "program_name",
        "menu",
        "help",
        "opt_out_confirmation",
        "opt_in_confirmation",
        "consent_confirmation",
        "language_changed",
    )
}
# The answers to the privacy words, and to FULL when there is nothing to show in full.
PRIVACY_MESSAGES = {
    "privacy_discreet": {"program_name"},
    "privacy_detailed": {"program_name"},
    "no_detail": {"program_name"},
}
ALL_MESSAGES = DISCREET_MESSAGES | PRIVACY_MESSAGES
# Sent discreet whatever the number's level: the invitation may reach a wrong number.
ALWAYS_DISCREET = ("consent_invitation",)


@dataclass(frozen=True)
class DiscreetOverlay:
    """How a domain's document takes its discreet texts (`plans: {step_key: text}`)."""

    # The keys that need a discreet form (every step with a text, every check-in).
    keys: Callable[[object], set[str]]
    # The document with the discreet texts in place.
    apply: Callable[[object, dict[str, str]], object]


_overlays: dict[str, DiscreetOverlay] = {}


def register_discreet_overlay(name: str, overlay: DiscreetOverlay) -> None:
    _overlays[name] = overlay


# --- the word list -----------------------------------------------------------------------


def fold_words(text: str) -> str:
    """Lower case, no accents, words separated by one space: "Células-madre" -> "celulas madre".
    Invisible characters (a zero-width space pasted inside "l\u200bupus") are dropped: a phone
    shows the word whole."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(
        ch for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    ).lower()  # fmt: skip
    return " ".join(re.split(r"[^0-9a-z]+", plain)).strip()


def listed_words(content: ContentSnapshot) -> tuple[str, ...]:
    document = content.documents.get(WORDS)
    words = document.get("words") if isinstance(document, dict) else None
    return tuple(str(word) for word in words or ())


def words_in(text: str, words: tuple[str, ...] | list[str]) -> list[str]:
    """The listed words in `text`, whole words only, in any case, with or without accents.
    A word listed with a final `*` is a stem: "transplant*" also finds "transplanted" and
    "lupus*" finds "Lupuscare". Letters spelled out one by one ("L.U.P.U.S", "l-u-p-u-s")
    are read as the word they spell."""
    folded = fold_words(text)
    readings = {f" {folded} ", f" {_spelled_out_joined(folded)} "}
    return [word.rstrip("*") for word in words if _listed_in(word, readings)]


def _listed_in(word: str, readings: set[str]) -> bool:
    stem = word.rstrip().endswith("*")
    folded = fold_words(word)
    if not folded:
        return False
    pattern = f" {folded}" if stem else f" {folded} "
    return any(pattern in reading for reading in readings)


def _spelled_out_joined(folded: str) -> str:
    """Runs of two or more one-letter words joined: "l u p u s center" -> "lupus center"."""
    return re.sub(r"\b[a-z](?: [a-z]\b)+", lambda run: run.group(0).replace(" ", ""), folded)


# --- the discreet view -------------------------------------------------------------------


def for_privacy(view: ContentSnapshot, level: str | None) -> ContentSnapshot:
    """`view` as a number with this privacy level reads it (discreet unless `detailed`)."""
    if level == DETAILED:
        return view.detailed_view or view
    if view.discreet or NAME not in view.documents:
        return view
    return _family(view)[view.language]


def discreet_text(view: ContentSnapshot, name: str, **values: object) -> str:
    """A message of the discreet form (the privacy answers exist only there)."""
    return for_privacy(view, DISCREET).text(name, **values)


def fallback_clinic_name(view: ContentSnapshot) -> str:
    """What a discreet text calls a clinic whose name holds a listed word and that has no
    neutral display name yet."""
    document = for_privacy(view, DISCREET).documents.get(NAME)
    return str((document or {}).get("clinic_fallback") or "Your care team")


_families: dict[int, tuple[object, dict[str, ContentSnapshot]]] = {}


def _family(view: ContentSnapshot) -> dict[str, ContentSnapshot]:
    """The discreet views of every language of this snapshot, built once per snapshot."""
    cached = _families.get(id(view.views))
    if cached is not None and cached[0] is view.views:
        return cached[1]
    family: dict[str, ContentSnapshot] = {}
    for language, language_view in (view.views or {view.language: view}).items():
        family[language] = _discreet(language_view, family)
    if len(_families) >= 4:  # one live snapshot, and the ones being validated
        _families.clear()
    _families[id(view.views)] = (view.views, family)
    return family


def _discreet(view: ContentSnapshot, family: dict) -> ContentSnapshot:
    document = view.documents.get(NAME)
    document = document if isinstance(document, dict) else {}
    messages = {**view.messages, **(document.get("messages") or {})}
    documents = dict(view.documents)
    for name, overlay in _overlays.items():
        texts = document.get(name)
        if name in documents and isinstance(texts, dict) and texts:
            documents[name] = overlay.apply(documents[name], texts)
    pages = menu_pages(
        messages["menu"],
        [f"{t.menu_number} {t.keyword} - {t.title}" for t in view.topics],
        more_marker=messages["more_marker"],
        program_name=messages["program_name"],
    )
    return dataclasses.replace(
        view,
        messages=messages,
        documents=documents,
        menu_pages=tuple(pages),
        views=family,
        discreet=True,
        detailed_view=view,
    )


# --- checks ----------------------------------------------------------------------------


def validate_discreet(document: object) -> list[str]:
    """The English discreet document's shape, placeholders and message sizes."""
    if not isinstance(document, dict):
        return ["must be a mapping with clinic_fallback, messages, plans and checkins"]
    problems = []
    if not str(document.get("clinic_fallback") or "").strip():
        problems.append("clinic_fallback: the name used for a clinic without a neutral one")
    messages = document.get("messages")
    if not isinstance(messages, dict):
        return [*problems, "messages: every discreet message, by name"]
    for name, allowed in ALL_MESSAGES.items():
        text = messages.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"messages.{name}: is missing")
        elif unknown := placeholders_in(text) - allowed:
            problems.append(f"messages.{name}: unknown placeholder(s) {sorted(unknown)}")
    problems += [
        f"messages: {name} has no discreet use" for name in messages if name not in ALL_MESSAGES
    ]
    for section in _overlays:
        if not isinstance(document.get(section) or {}, dict):
            problems.append(f"{section}: discreet texts by key")
    if problems:
        return problems
    values = LONG_VALUES | {"program_name": messages["program_name"]}
    for name, text in messages.items():
        if name != "menu" and (problem := segments_over(text.format(**values), "message")):
            problems.append(f"messages.{name}: {problem}")
    return problems


def validate_words(document: object) -> list[str]:
    words = document.get("words") if isinstance(document, dict) else None
    if not isinstance(words, list) or not words:
        return ["words: the list of words a discreet text never holds"]
    return [f"words: {word!r} is not a word" for word in words if not fold_words(str(word))]


def discreet_view_problems(view: ContentSnapshot) -> list[str]:
    """Every check of the discreet form of one language view (registered as a view check)."""
    if NAME not in view.documents or view.discreet:
        return []
    discreet = for_privacy(view, DISCREET)
    label = f"{NAME}: "
    problems = _missing_forms(view) if view.language == ENGLISH else []
    if view.language == ENGLISH:
        problems += _overlaid_document_problems(view, discreet)
    words = listed_words(view)
    for where, text in _discreet_texts(view, discreet).items():
        if found := words_in(text, words):
            problems.append(f"{where}: a discreet text must not say {', '.join(found)}")
    fallen_back = set(view.missing.get(view.language, ()))
    for name in REQUIRED_WORDING:
        if name in DISCREET_MESSAGES:
            language = ENGLISH if f"{NAME}.messages.{name}" in fallen_back else view.language
            problems += [
                f"{label}messages.{name}: {problem}"
                for problem in consent_wording_problems(name, discreet.messages[name], language)
            ]
    problems += [f"{label}{problem}" for problem in menu_problems(list(discreet.menu_pages))]
    # The domains' checks of a view hold for its discreet form too (the consent texts'
    # frequency, a safety reply followed by the discreet opt-out confirmation).
    for check in view_checks():
        if check is not discreet_view_problems:
            problems += [f"{label}{problem}" for problem in check(discreet)]
    return problems


def _missing_forms(view: ContentSnapshot) -> list[str]:
    document = view.documents.get(NAME) or {}
    problems = []
    for name, overlay in _overlays.items():
        texts = (document.get(name) if isinstance(document, dict) else None) or {}
        for key in sorted(overlay.keys(view.documents.get(name)) - set(texts)):
            problems.append(f"{NAME}: {name}.{key} has no discreet form")
        for key in sorted(set(texts) - overlay.keys(view.documents.get(name))):
            problems.append(f"{NAME}: {name}.{key} is no text of {name}")
    return problems


def _overlaid_document_problems(view: ContentSnapshot, discreet: ContentSnapshot) -> list[str]:
    """The discreet texts pass the rules of their own document (placeholders, sizes, the
    care team, the 24/7 number in a call about a symptom)."""
    overlaid = {
        name: discreet.documents[name]
        for name in _overlays
        if name in discreet.documents and discreet.documents[name] is not view.documents.get(name)
    }
    return [f"{NAME}: {problem}" for problem in validate_documents(overlaid)]


def _discreet_texts(view: ContentSnapshot, discreet: ContentSnapshot) -> dict[str, str]:
    """Every text a discreet number may get from its clinic or as a system message."""
    document = discreet.documents.get(NAME) or {}
    texts = {f"{NAME}.messages.{name}": discreet.messages[name] for name in ALL_MESSAGES}
    texts[f"{NAME}.clinic_fallback"] = str(document.get("clinic_fallback") or "")
    for name in _overlays:
        for key, text in (document.get(name) or {}).items():
            texts[f"{NAME}.{name}.{key}"] = str(text)
    for name in ALWAYS_DISCREET:
        texts[f"messages.{name}"] = view.messages[name]
    return texts


# --- translation ---------------------------------------------------------------------------


def _strings(document: dict) -> dict[str, str]:
    if not isinstance(document, dict):
        return {}
    found = {}
    if document.get("clinic_fallback"):
        found["clinic_fallback"] = str(document["clinic_fallback"])
    for section in ("messages", *_overlays):
        entries = document.get(section)
        if isinstance(entries, dict):
            found |= {f"{section}.{key}": str(text) for key, text in entries.items()}
    return found


def _limit(path: str) -> str | None:
    section, _, key = path.partition(".")
    if section == "messages":
        return None if key == "menu" else "message"
    if section == "plans":
        return "reminder"
    if section == "checkins":
        return "checkin_question"
    return None


def _merge(document: object, translated: dict) -> object:
    if not isinstance(document, dict):
        return document
    merged = {**document}
    if translated.get("clinic_fallback"):
        merged["clinic_fallback"] = translated["clinic_fallback"]
    for section in ("messages", *_overlays):
        if isinstance(translated.get(section), dict):
            merged[section] = {**(document.get(section) or {}), **translated[section]}
    return merged


register_document_validator(NAME, validate_discreet)
register_document_validator(WORDS, validate_words)
register_view_check(discreet_view_problems)
register_document_translation(
    NAME,
    DocumentTranslation(
        strings=_strings,
        translated=_strings,
        limit=_limit,  # type: ignore[arg-type]  # None: measured elsewhere (the menu's pages)
        merge=_merge,
        sections=frozenset({"clinic_fallback", "messages", "plans", "checkins"}),
    ),
)
