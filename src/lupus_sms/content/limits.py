"""The one table of SMS size limits, and the longest values a text can be filled in with.

Why one table: a limit stated in several validators drifts, and an editor that does not know
the limit cannot warn before a save is refused. Every content validator and the admin
editor read `SEGMENT_LIMITS`; nothing else states a limit.

Every text is measured as sent: filled in with the longest values it can carry (the
longest clinic name a clinic may have, a first name at its longest once folded, two clinics'
phone numbers where a reply may name two). Clinic-initiated texts carry the patient's first
name folded to GSM-7 and cut (`first_name_for_text`), so one accent cannot turn a reminder
into UCS-2, where a segment holds 70 characters instead of 160. A clinic may keep accents
(`Clinic.keep_name_accents`); the editor then shows what that costs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from lupus_sms.content.segments import GSM7, GSM7_BASIC, analyze

LONGEST_CLINIC_NAME = 40  # clinics.service.validate_clinic_name refuses a longer one
LONGEST_FIRST_NAME = 12  # a longer first name is cut in clinic-initiated texts


@dataclass(frozen=True)
class Limit:
    segments: int
    what: str


SEGMENT_LIMITS: dict[str, Limit] = {
    "topic_part": Limit(2, "an education part, with its MORE marker"),
    "menu_page": Limit(2, "a page of MENU, with its MORE marker (the menu is paged)"),
    "message": Limit(2, "a system message: HELP, hints, consent texts, confirmations"),
    "reminder": Limit(2, "a reminder or visit prompt, with the longest clinic and first name"),
    "checkin_question": Limit(2, "a check-in question, with the longest clinic and first name"),
    "checkin_reply": Limit(2, "the answer to a check-in reply, naming up to two clinics"),
    "safety_reply": Limit(3, "a red-flag or self-harm reply, naming up to two clinics"),
    "safety_net": Limit(2, "the answer to any other text of an enrolled patient: 24/7, 911, 988"),
    "stop_red_flag": Limit(4, "a safety reply followed by the opt-out confirmation"),
    # One segment: with a 2-segment reply after it, a conversation's first text stays in 4.
    "conversation_intro": Limit(1, "the line that opens a care-team conversation"),
    "quick_reply": Limit(3, "a quick reply (service-wide or a clinic's own), for one patient"),
}

# A realistic clinic name at the longest length allowed, GSM-7 as clinic names must be.
LONGEST_CLINIC_SAMPLE = "Riverside Lupus and Rheumatology Clinics"
# First names every text is tried with: accented, and at the longest once folded and cut.
SAMPLE_FIRST_NAMES = ("María José", "Ángela-María Pérez", "Zoë", "Christopher")
TWO_PHONES = "(617) 555-0199 or (617) 555-0188"
LONG_VALUES = {
    "clinic_name": LONGEST_CLINIC_SAMPLE,
    "clinic_phone": "(617) 555-0100",
    "office_phone": TWO_PHONES,
    "urgent_phone": TWO_PHONES,
    "appointment_date": "Wed Sep 30",
    "appointment_time": "10:30 a.m.",
    "temperature": "38.5 C (101.3 F)",
    "keyword": "INVESTIGACION",
    "title": "X" * 40,
    "part": "10",
    "total": "10",
    "choices": f"A for {LONGEST_CLINIC_SAMPLE} or B for {LONGEST_CLINIC_SAMPLE[:30]}",
    "topics": "",
}
# Texts sent to one patient of one clinic carry one phone number.
ONE_CLINIC_VALUES = LONG_VALUES | {
    "office_phone": "(617) 555-0100",
    "urgent_phone": "(617) 555-0199",
}
_TRIM = " -'.,"


def limit(kind: str) -> int:
    return SEGMENT_LIMITS[kind].segments


def fold_to_gsm7(text: str) -> str:
    """Letters outside GSM-7 lose their accent (María -> Maria, Zoë -> Zoe); letters GSM-7
    has (é, ñ, ü) stay; anything that cannot be spelled in GSM-7 is left out."""
    folded = []
    for ch in text:
        if ch in GSM7_BASIC:
            folded.append(ch)
        elif ch in "\u2018\u2019\u02bc":  # curly apostrophes in O'Brien
            folded.append("'")
        else:
            base = unicodedata.normalize("NFKD", ch)
            folded.extend(c for c in base if c in GSM7_BASIC and not unicodedata.combining(c))
    return "".join(folded)


def first_name_for_text(name: str | None, *, keep_accents: bool = False) -> str:
    """The first name as a clinic-initiated text carries it: folded to GSM-7 unless the
    clinic keeps accents, and cut to `LONGEST_FIRST_NAME`. "" when there is none to use."""
    parts = (name or "").split()
    if not parts:
        return ""
    first = parts[0] if keep_accents else fold_to_gsm7(parts[0])
    return first[:LONGEST_FIRST_NAME].rstrip(_TRIM)


def segments_over(text: str, kind: str) -> str | None:
    """A problem when the filled-in `text` is longer than the limit for `kind`, else None."""
    info = analyze(text)
    allowed = limit(kind)
    if info.segments <= allowed:
        return None
    return f"{info.segments} {info.encoding} segments when filled in, at most {allowed}"


def sized_for_every_name(where: str, template: str, values: dict, *, kind: str) -> list[str]:
    """A clinic-initiated text is GSM-7 and within its limit when filled in with `values`
    and each sample first name, folded as it is sent. KeyError, IndexError or ValueError
    when the template cannot be filled in."""
    for name in SAMPLE_FIRST_NAMES:
        filled = template.format(**(values | {"first_name": first_name_for_text(name)}))
        info = analyze(filled)
        if info.encoding != GSM7:
            labels = "".join(info.non_gsm_characters)
            return [f"{where}: use GSM-7 characters only ({labels!r} would make it UCS-2)"]
        if problem := segments_over(filled, kind):
            return [f"{where}: {problem} (with the first name {name!r})"]
    return []


def accent_cost(templates: list[str]) -> tuple[int, int]:
    """The most segments any of these clinic-initiated texts takes with the longest values,
    (first names folded, first names with their accents kept): what keeping accents costs."""

    def most(keep: bool) -> int:
        sizes = (_segments(t, name, keep) for t in templates for name in SAMPLE_FIRST_NAMES)
        return max(sizes, default=0)

    return most(False), most(True)


def _segments(template: str, name: str, keep_accents: bool) -> int:
    first_name = first_name_for_text(name, keep_accents=keep_accents)
    try:
        return analyze(template.format(**(ONE_CLINIC_VALUES | {"first_name": first_name}))).segments
    except (KeyError, IndexError, ValueError):
        return 0
