"""The care-team texts (content/care_team.yaml, translated in content/es/care_team.yaml): the
line that opens a conversation and the service-wide quick replies, edited in the admin
console with versions like every other text.

Checked on every load and save, like the other documents: the keys a clinic's own quick
reply may use to replace a default, the placeholders each text may hold, and sizes as sent
(content/limits.py). The opening line goes before the first staff message of a conversation,
so it has a limit of its own: one segment, which keeps it and a 2-segment reply within 4. It
goes to discreet patients too, so it never holds a word of the discreet list; nor does a
quick reply's body, for the same reason (a title is only read by staff).
"""

from __future__ import annotations

import re

from lupus_sms.content.discreet import listed_words, words_in
from lupus_sms.content.limits import (
    ONE_CLINIC_VALUES,
    SAMPLE_FIRST_NAMES,
    first_name_for_text,
    segments_over,
)
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.snapshot import (
    ContentSnapshot,
    register_document_validator,
    register_view_check,
)
from lupus_sms.content.translation import DocumentTranslation, register_document_translation

NAME = "care_team"
PLACEHOLDERS = frozenset({"first_name", "clinic_name", "office_phone", "urgent_phone"})
INTRO_PLACEHOLDERS = frozenset({"clinic_name", "office_phone", "urgent_phone"})
QUICK_REPLY_FIELDS = ("title", "body")
SECTIONS = frozenset({"intro", "quick_replies"})
# A clinic's own quick reply replaces the default of the same key: both follow this pattern.
KEY = re.compile(r"^[a-z0-9_]{1,40}$")
TITLE_MAX = 80  # quick_replies.title holds as much
INTRO_LIMIT, REPLY_LIMIT = "conversation_intro", "quick_reply"  # content/limits.py
DISCREET_REASON = (
    "quick replies go to patients who chose discreet texts: their lock screen may show it"
)


def intro(content: ContentSnapshot) -> str:
    """The line before the first staff message of a conversation, in the view's language."""
    return str(content.document(NAME)["intro"])


def quick_replies(content: ContentSnapshot) -> dict[str, dict[str, str]]:
    """The service-wide quick replies by key: {"insurance": {"title": ..., "body": ...}}."""
    found = content.document(NAME).get("quick_replies") or {}
    return {
        key: {f: str(value.get(f, "")) for f in QUICK_REPLY_FIELDS} for key, value in found.items()
    }


def fill(template: str, values: dict[str, str]) -> str | None:
    """`template` with its placeholders filled in, or None when it holds one `values` lacks
    (or a malformed one): a text that cannot be filled in is never sent half-filled."""
    if not placeholders_in(template) <= set(values):
        return None
    return template.format(**values)


def size_problem(template: str, kind: str) -> str | None:
    """Why `template` is too long for `kind` when filled in for one patient of one clinic
    with the longest values and each sample first name, folded as sent; None when it fits.
    Its placeholders must be known ones (checked first by every caller)."""
    for name in SAMPLE_FIRST_NAMES:
        values = ONE_CLINIC_VALUES | {"first_name": first_name_for_text(name)}
        if problem := segments_over(template.format(**values), kind):
            return f"{problem} (with the first name {name!r})"
    return None


def placeholder_problem(text: str, allowed: frozenset[str]) -> str | None:
    unknown = placeholders_in(text) - allowed
    if unknown:
        return f"unknown placeholder(s) {sorted(unknown)}; use {sorted(allowed)}"
    return None


def validate_care_team(document: object) -> list[str]:
    if not isinstance(document, dict):
        return ["must be a mapping with `intro` and `quick_replies`"]
    problems = [f"`{extra}` is not a section here" for extra in sorted(set(document) - SECTIONS)]
    problems += _intro_problems(document.get("intro"))
    replies = document.get("quick_replies")
    if not isinstance(replies, dict) or not replies:
        return [*problems, "`quick_replies` must map keys to a title and a body"]
    for key, reply in replies.items():
        problems += [f"quick reply {key!r}: {p}" for p in _reply_problems(key, reply)]
    return problems


def _intro_problems(text: object) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return ["`intro` must be a text"]
    if problem := placeholder_problem(text, INTRO_PLACEHOLDERS):
        return [f"intro: {problem}"]
    if "911" not in text:
        return ["intro: say to call 911 in an emergency (the line is not watched 24/7)"]
    if problem := size_problem(text, INTRO_LIMIT):
        return [f"intro: {problem}"]
    return []


def _reply_problems(key: object, reply: object) -> list[str]:
    if not isinstance(key, str) or not KEY.match(key):
        return ["a key uses small letters, digits and _ only (at most 40)"]
    if not isinstance(reply, dict) or not all(
        isinstance(reply.get(f), str) and reply[f].strip() for f in QUICK_REPLY_FIELDS
    ):
        return ["needs a `title` and a `body`"]
    if extra := set(reply) - set(QUICK_REPLY_FIELDS):
        return [f"only `title` and `body`, not {sorted(map(str, extra))}"]
    if len(reply["title"]) > TITLE_MAX:
        return [f"the title is longer than {TITLE_MAX} characters"]
    if problem := placeholder_problem(reply["body"], PLACEHOLDERS):
        return [problem]
    if problem := size_problem(reply["body"], REPLY_LIMIT):
        return [problem]
    return []


def care_team_view_problems(view: ContentSnapshot) -> list[str]:
    """What the English file cannot show alone: a language's titles and texts as merged, and
    the discreet word list (another document) against the opening line and each quick
    reply's body."""
    document = view.documents.get(NAME)
    if not isinstance(document, dict) or view.discreet:
        return []  # a missing or malformed document is reported by its validator
    problems = []
    text = document.get("intro")
    if not isinstance(text, str):
        return [f"{NAME}.intro: must be a text"]
    if found := words_in(text, listed_words(view)):
        problems.append(f"{NAME}.intro: it reaches discreet patients too: no {', '.join(found)}")
    for key, reply in (document.get("quick_replies") or {}).items():
        if not isinstance(reply, dict):
            continue
        if len(str(reply.get("title", ""))) > TITLE_MAX:
            problems.append(f"{NAME}.quick_replies.{key}.title: at most {TITLE_MAX} characters")
        if found := words_in(str(reply.get("body", "")), listed_words(view)):
            problems.append(
                f"{NAME}.quick_replies.{key}.body: no {', '.join(found)}: {DISCREET_REASON}"
            )
    return problems


# --- translation -----------------------------------------------------------------------


def _strings(document: object) -> dict[str, str]:
    """Translatable strings by path. From a language's file, every field it holds comes
    back, so one the English file lacks is reported as "no such English text"."""
    if not isinstance(document, dict):
        return {}
    found = {"intro": str(document["intro"])} if document.get("intro") else {}
    replies = document.get("quick_replies")
    if replies is None:
        return found
    if not isinstance(replies, dict):
        return {**found, "quick_replies": str(replies)}
    for key, reply in replies.items():
        if not isinstance(reply, dict):
            found[f"quick_replies.{key}"] = str(reply)
            continue
        for field, text in reply.items():
            if text:
                found[f"quick_replies.{key}.{field}"] = str(text)
    return found


def _merge(document: object, translated: dict) -> object:
    """The English document with a language's strings in place (keys and order stay)."""
    if not isinstance(document, dict) or not translated:
        return document
    theirs = translated.get("quick_replies")
    theirs = theirs if isinstance(theirs, dict) else {}
    replies = {
        key: _merged_reply(reply, theirs.get(key))
        for key, reply in (document.get("quick_replies") or {}).items()
    }
    return {**document, "intro": translated.get("intro") or document.get("intro"),
            "quick_replies": replies}  # fmt: skip


def _merged_reply(reply: object, translated: object) -> object:
    if not isinstance(reply, dict) or not isinstance(translated, dict):
        return reply
    return {**reply, **{f: translated[f] for f in QUICK_REPLY_FIELDS if translated.get(f)}}


def _limit(path: str) -> str | None:
    """Titles are read by staff in the compose box, never sent: no segment limit."""
    if path == "intro":
        return INTRO_LIMIT
    return REPLY_LIMIT if path.endswith(".body") else None


register_document_validator(NAME, validate_care_team)
register_view_check(care_team_view_problems)
register_document_translation(
    NAME,
    DocumentTranslation(
        strings=_strings,
        translated=_strings,
        limit=_limit,
        merge=_merge,
        sections=SECTIONS,
    ),
)
