"""Clinical protocol text: advice beyond the education source, approved by a second person.

Some reminder lines are standard post-transplant care rather than facts from the education
source ("infections are the main risk", "check your temperature each day"). They stay, marked
`protocol: true` on their step in plans.yaml or their check-in in checkins.yaml. A change that
adds, rewords, unmarks or removes one, in any language, is a draft until a second person
approves it, as the safety document always is (content/versions.py). The editor shows each
one with who approved its current wording (`approvals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import yaml

from lupus_sms.content.store import SHIPPED_AUTHOR
from lupus_sms.content.translation import TRANSLATED_LANGUAGES

PLANS, CHECKINS = "document:plans", "document:checkins"
# The discreet forms of protocol steps and check-ins, and the discreet word list, are
# reviewed the same way (content/discreet.py).
DISCREET, DISCREET_WORDS = "document:discreet", "document:discreet_words"
DOCUMENTS = (PLANS, CHECKINS, DISCREET, DISCREET_WORDS)


@dataclass(frozen=True)
class Approval:
    path: str
    text: str
    approved_by: str
    approved_at: datetime
    version: int


def is_protocol_document(key: str) -> bool:
    return key.rpartition("/")[2] in DOCUMENTS


def protocol_texts(texts: dict[str, str]) -> dict[str, str]:
    """Every protocol text in a full set of item texts, by path: "plans.ahsct_day7",
    "checkins.temperature.question", "es/plans.ahsct_day7"."""
    plans, checkins = _load(texts.get(PLANS)), _load(texts.get(CHECKINS))
    steps = [s for s in plans.get("steps") or () if isinstance(s, dict) and s.get("protocol")]
    step_keys = [str(step.get("key")) for step in steps]
    entries = checkins.get("checkins") or {}
    checkin_keys = [k for k, e in entries.items() if isinstance(e, dict) and e.get("protocol")]
    found = {f"plans.{step.get('key')}": str(step.get("text") or "") for step in steps}
    found |= {f"checkins.{key}.question": str(entries[key].get("question")) for key in checkin_keys}
    found |= _discreet_texts(texts, "", step_keys, checkin_keys)
    words = _load(texts.get(DISCREET_WORDS)).get("words")
    if words:
        found["discreet_words.words"] = yaml.safe_dump(words, allow_unicode=True)
    for language in TRANSLATED_LANGUAGES:
        found |= _discreet_texts(texts, f"{language}/", step_keys, checkin_keys)
        translated = _load(texts.get(f"{language}/{PLANS}")).get("texts") or {}
        found |= {f"{language}/plans.{k}": str(translated[k]) for k in step_keys if k in translated}
        questions = _load(texts.get(f"{language}/{CHECKINS}")).get("checkins") or {}
        for key in checkin_keys:
            if isinstance(questions.get(key), dict) and "question" in questions[key]:
                found[f"{language}/checkins.{key}.question"] = str(questions[key]["question"])
    return found


def _discreet_texts(texts, prefix: str, step_keys, checkin_keys) -> dict[str, str]:
    discreet = _load(texts.get(f"{prefix}{DISCREET}"))
    found = {}
    for section, keys in (("plans", step_keys), ("checkins", checkin_keys)):
        entries = discreet.get(section) if isinstance(discreet.get(section), dict) else {}
        found |= {f"{prefix}discreet.{section}.{k}": str(entries[k]) for k in keys if k in entries}
    return found


def changes_protocol(live: dict[str, str], *, key: str, body: str) -> bool:
    """Whether saving `body` as `key` adds, rewords, unmarks or removes protocol text."""
    if not is_protocol_document(key):
        return False
    return protocol_texts(live) != protocol_texts({**live, key: body})


def paths_of(key: str, paths) -> list[str]:
    """The protocol paths an item holds ("es/document:plans" holds "es/plans.*")."""
    language, _, base = key.rpartition("/")
    prefix = (f"{language}/" if language else "") + base.partition(":")[2] + "."
    return [path for path in paths if path.startswith(prefix)]


def approvals(live: dict[str, str], *, key: str, history: list) -> list[Approval]:
    """Who approved the current wording of each protocol text of item `key`, from its
    versions that went live (oldest first: objects with body, number, author, reviewed_by,
    reviewed_at, created_at)."""
    current = protocol_texts(live)
    wanted = paths_of(key, current)
    since: dict[str, object] = {}
    previous: dict[str, str] = {}
    for version in history:
        texts = protocol_texts({**live, key: version.body})
        for path in wanted:
            if texts.get(path) != previous.get(path):
                since[path] = version
            previous[path] = texts.get(path, "")
    return [_approval(path, current[path], since[path]) for path in wanted if path in since]


def _approval(path: str, text: str, version) -> Approval:
    if version.reviewed_by:
        by, at = version.reviewed_by, version.reviewed_at or version.created_at
    elif version.author == SHIPPED_AUTHOR:
        by, at = "shipped content, reviewed with the code", version.created_at
    else:
        by, at = f"nobody: saved by {version.author} without a second approval", version.created_at
    return Approval(path, text, by, at, version.number)


def _load(text: str | None) -> dict:
    try:
        data = yaml.safe_load(text or "") or {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}
