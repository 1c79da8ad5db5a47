"""What the editor shows and saves: per-text SMS analysis, previews, and YAML for forms."""

from __future__ import annotations

import json
import string

import yaml

from lupus_sms.admin.readability import readability
from lupus_sms.content.limits import (
    ONE_CLINIC_VALUES,
    SAMPLE_FIRST_NAMES,
    SEGMENT_LIMITS,
    first_name_for_text,
    limit,
)
from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.segments import analyze, describe_non_gsm
from lupus_sms.content.snapshot import MESSAGE_PLACEHOLDERS
from lupus_sms.core.errors import ValidationFailed

# Filled into placeholders for previews: what a patient would plausibly see.
SAMPLE_VALUES = {
    "program_name": "Lupus Stem Cell Info",
    "clinic_name": "Riverside Lupus Clinic",
    "office_phone": "(617) 555-0100",
    "urgent_phone": "(617) 555-0199",
    "first_name": "Alex",
    "keyword": "LUPUS",
    "title": "What lupus is",
    "part": "1",
    "total": "3",
    "topics": "1 LUPUS - What lupus is\n2 STEMCELLS - Stem cells",
    "date": "Tue Mar 10",
    "time": "9:30 AM",
    "appointment": "Tue Mar 10 at 9:30 AM",
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def preview(text: str) -> str:
    """The text with sample values in its placeholders (unknown ones stay visible)."""
    try:
        return string.Formatter().vformat(text, (), _Blank(SAMPLE_VALUES))
    except (ValueError, IndexError, KeyError):
        return text


def analysis(
    text: str, *, grade_limit: float, language: str = "en", ease_minimum: float = 60.0
) -> dict:
    """Counts of the text as sent (placeholders filled), for the live counters, with the
    readability measure of the text's own language."""
    sent = preview(text)
    info = analyze(sent)
    measured = readability(
        sent, language=language, grade_limit=grade_limit, ease_minimum=ease_minimum
    )
    return {
        "characters": info.characters,
        "encoding": info.encoding,
        "segments": info.segments,
        "non_gsm": describe_non_gsm(info.non_gsm_characters),
        "readability_measure": measured.measure,
        "readability": measured.value,
        "readability_band": measured.band,
        "too_hard": measured.too_hard,
        # The English grade under its own names, for English texts only.
        "grade": measured.value if language != "es" else None,
        "grade_too_high": measured.too_hard if language != "es" else False,
        "preview": sent,
    }


def topic_yaml(form: dict[str, str], *, key: str, parts: list[str]) -> str:
    """A topic form as its content/ file. Strings are double-quoted (JSON escapes are valid
    YAML) so a keyword such as NO or ON never turns into a boolean."""
    aliases = [a.strip().upper() for a in form.get("aliases", "").split(",") if a.strip()]
    parts = [p.strip().replace("\r\n", "\n") for p in parts if p.strip()]
    menu_number = _menu_number(form.get("menu_number", ""))
    lines = [
        f"key: {key}",
        f"keyword: {_q(form.get('keyword', '').strip().upper())}",
        "aliases:" if aliases else "aliases: []",
        *[f"  - {_q(alias)}" for alias in aliases],
        f"menu_number: {menu_number}",
        f"title: {_q(form.get('title', '').strip())}",
        "parts:",
        *[f"  - {_q(part)}" for part in parts],
    ]
    return "\n".join(lines) + "\n"


def _menu_number(raw: str) -> int:
    typed = (raw or "").strip()
    if not typed.isdigit() or not 1 <= int(typed) <= 99:
        shown = f"you typed {typed[:20]!r}" if typed else "it is empty"
        raise ValidationFailed(
            f"Menu number must be a whole number from 1 to 99, like 7 ({shown}).",
            field="menu_number",
        )
    return int(typed)


def topic_form(body: str) -> dict:
    data = yaml.safe_load(body) or {}
    return {
        "keyword": data.get("keyword", ""),
        "aliases": ", ".join(data.get("aliases") or []),
        "menu_number": data.get("menu_number", ""),
        "title": data.get("title", ""),
        "parts": list(data.get("parts") or []),
    }


def messages_yaml(messages: dict[str, str], *, order: list[str]) -> str:
    names = [n for n in order if n in messages] + [n for n in messages if n not in order]
    return "".join(f"{name}: {_q(messages[name].replace(chr(13), ''))}\n" for name in names)


def message_rows(body: str, *, other: str = "") -> list[dict]:
    """One row per message, with the other language's text beside it ("" when missing).
    A translation not written yet starts with every English name and an empty text."""
    data = yaml.safe_load(body) or {}
    others = (yaml.safe_load(other) or {}) if other else {}
    names = list(data) + [name for name in others if name not in data]
    return [
        {
            "name": name,
            "text": data.get(name, ""),
            "other": others.get(name, ""),
            "placeholders": sorted(MESSAGE_PLACEHOLDERS.get(name, ())),
            "limit": message_limit(name),
        }
        for name in names
    ]


def message_limit(name: str) -> int | None:
    """A system message's segment limit; the menu's is per page (it is sent paged)."""
    return None if name == "menu" else limit("message")


def unknown_placeholders(text: str, allowed: set[str]) -> set[str]:
    return placeholders_in(text) - allowed


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def document_sizes(key: str, body: str) -> list[dict]:
    """The texts of a plans, check-ins or care-team document as a clinic sends them: segments
    with the longest clinic name and first names folded to GSM-7, and what a clinic that
    keeps accents pays (an accent GSM-7 lacks sends the whole text as UCS-2)."""
    base = key.rpartition("/")[2]
    try:
        data = yaml.safe_load(body) or {}
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    if base == "document:plans":
        texts = data.get("texts") or {
            s.get("key"): s.get("text") for s in data.get("steps") or () if isinstance(s, dict)
        }
        kind = "reminder"
    elif base == "document:checkins":
        entries = data.get("checkins") or {}
        texts = {k: e.get("question") for k, e in entries.items() if isinstance(e, dict)}
        kind = "checkin_question"
    elif base == "document:care_team":
        return _care_team_sizes(data)
    else:
        return []
    return [_size_row(str(name), str(text), kind) for name, text in texts.items() if text]


def _care_team_sizes(data: dict) -> list[dict]:
    """The opening line, then each quick reply, under the limit of each (content/limits.py)."""
    rows = (
        [_size_row("intro", str(data["intro"]), "conversation_intro")] if data.get("intro") else []
    )
    replies = data.get("quick_replies")
    for key, reply in (replies if isinstance(replies, dict) else {}).items():
        if isinstance(reply, dict) and reply.get("body"):
            rows.append(_size_row(f"quick_replies.{key}", str(reply["body"]), "quick_reply"))
    return rows


def _size_row(name: str, template: str, kind: str) -> dict:
    folded, kept = [], []
    for sample in SAMPLE_FIRST_NAMES:
        for keep, found in ((False, folded), (True, kept)):
            values = ONE_CLINIC_VALUES | {
                "first_name": first_name_for_text(sample, keep_accents=keep)
            }
            try:
                found.append(analyze(string.Formatter().vformat(template, (), _Blank(values))))
            except (ValueError, IndexError, KeyError):
                return {"name": name, "limit": limit(kind), "error": "cannot be filled in"}
    worst, accented = max(folded, key=_size), max(kept, key=_size)
    return {
        "name": name,
        "limit": limit(kind),
        "segments": worst.segments,
        "encoding": worst.encoding,
        "accents_segments": accented.segments,
        "accents_encoding": accented.encoding,
        "over": worst.segments > limit(kind),
    }


def _size(info) -> tuple[int, int]:
    return info.segments, info.units


def limits_table() -> list[tuple[str, int, str]]:
    """The segment limits every validator uses, for the editor to show."""
    return [(kind, entry.segments, entry.what) for kind, entry in SEGMENT_LIMITS.items()]
