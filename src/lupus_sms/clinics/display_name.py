"""The name a clinic's texts carry: its own, or in discreet texts its neutral display name.

A clinic whose name holds a word of the discreet word list ("Riverside Lupus Clinic") must
give a neutral display name ("Riverside Health") before it saves its settings; until then
(a clinic created before the rule) its discreet texts use the discreet document's
`clinic_fallback` ("Your care team"), never its name. The invitation is always discreet: it
may reach a wrong number.
"""

from __future__ import annotations

from lupus_sms.content.discreet import (
    DISCREET,
    fallback_clinic_name,
    for_privacy,
    listed_words,
    words_in,
)
from lupus_sms.content.segments import is_gsm7
from lupus_sms.content.snapshot import ContentSnapshot


def name_in_texts(clinic, content: ContentSnapshot) -> str:
    """`clinic`'s name as texts from this view carry it (a discreet view: a neutral one)."""
    if not content.discreet:
        return clinic.name
    display_name = (getattr(clinic, "display_name", None) or "").strip()
    if display_name and not words_in(display_name, listed_words(content)):
        return display_name
    if not words_in(clinic.name, listed_words(content)):
        return clinic.name
    return fallback_clinic_name(content)


def invitation_name(clinic, content: ContentSnapshot) -> str:
    """The name in a consent invitation: always the discreet one."""
    return name_in_texts(clinic, for_privacy(content, DISCREET))


def display_name_problem(
    name: str, display_name: str | None, content: ContentSnapshot
) -> str | None:
    """Why these names cannot be saved: a display name is required when the name holds a
    listed word, and must hold none itself."""
    words = listed_words(content)
    if display_name and ("{" in display_name or "}" in display_name):
        return "the display name must not contain { or }: texts would show them as they are"
    if display_name and not is_gsm7(display_name):
        return (
            "the display name must use plain SMS (GSM-7) characters, e.g. no curly quotes or "
            "emoji: one such character makes every text it is in cost twice as many segments"
        )
    if display_name and (found := words_in(display_name, words)):
        return f"the display name must not say {', '.join(found)}: texts show it on lock screens"
    if not (display_name or "").strip() and (found := words_in(name, words)):
        return (
            f"the clinic's name says {', '.join(found)}: give a neutral display name for "
            "discreet texts and the invitation (for example, the hospital's name)"
        )
    return None
