"""The plan document (content/plans.yaml): which texts go out relative to which anchor.

A step names its anchor ("appointment" or a milestone kind such as "infusion"), the programs
it applies to, an offset in days (sent at a local `send_at` time) or hours (relative to the
anchor's exact time), and either a `text` template or a `checkin` key from checkins.yaml.
The document is checked whenever content is loaded or edited: an unknown placeholder, an
offset out of range, a text over the reminder limit of content/limits.py (filled in with the
longest clinic name and each sample first name, folded as sent) or a call about a symptom
without the 24/7 number is refused then, never discovered at 9am in a patient's text.
`protocol: true` marks clinical protocol text (content/protocol.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from lupus_sms.checkins.document import questions as checkin_questions
from lupus_sms.clinics.quiet_hours import DAY_START, night_problem, parse_hhmm
from lupus_sms.content.limits import ONE_CLINIC_VALUES, sized_for_every_name
from lupus_sms.content.schemas import CARE_TEAM_POINTER, placeholders_in
from lupus_sms.content.snapshot import ContentSnapshot, register_document_validator
from lupus_sms.content.wording import symptom_call_problem

APPOINTMENT = "appointment"
PROGRAMS = ("ahsct", "msc", "evaluation")
PLACEHOLDERS = {"first_name", "clinic_name", "clinic_phone", "urgent_phone"}
APPOINTMENT_PLACEHOLDERS = {"appointment_date", "appointment_time"}
# The longest values a text is filled in with (content/limits.py).
SAMPLE_VALUES = {
    name: ONE_CLINIC_VALUES.get(name, "Christopher")
    for name in PLACEHOLDERS | APPOINTMENT_PLACEHOLDERS
}
_FIRST_NAME_SLOT = re.compile(r"[ \t]?\{first_name\}")


class Offset(BaseModel):
    days: int = Field(default=0, ge=-60, le=730)
    hours: int = Field(default=0, ge=-72, le=72)


class PlanStep(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    anchor: str = Field(pattern=r"^[a-z0-9_-]+$", max_length=32)
    appointment_kinds: list[str] | None = None  # None: every kind
    programs: list[Literal["ahsct", "msc", "evaluation"]] = Field(min_length=1)
    offset: Offset
    send_at: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    text: str | None = Field(default=None, min_length=1, max_length=600)
    checkin: str | None = None
    # Clinical protocol text: beyond the education source; a change needs a second approval.
    protocol: bool = False

    @field_validator("send_at")
    @classmethod
    def _in_the_day(cls, send_at: str | None) -> str | None:
        problem = send_at and night_problem(parse_hhmm(send_at, DAY_START))
        if problem:
            raise ValueError(problem)
        return send_at

    @field_validator("appointment_kinds")
    @classmethod
    def _kinds_not_empty(cls, kinds: list[str] | None) -> list[str] | None:
        if kinds is not None and not kinds:
            raise ValueError("leave appointment_kinds out to mean every kind")
        return kinds

    @model_validator(mode="after")
    def _shape(self) -> PlanStep:
        if (self.text is None) == (self.checkin is None):
            raise ValueError("give either text or checkin")
        if self.offset.hours and self.send_at:
            raise ValueError("an hours offset is relative to the anchor's time: no send_at")
        if not self.offset.hours and not self.send_at:
            raise ValueError("a days offset needs send_at (local HH:MM)")
        return self

    @property
    def is_pre_appointment(self) -> bool:
        return self.anchor == APPOINTMENT and (self.offset.days < 0 or self.offset.hours < 0)

    @property
    def message_kind(self) -> str:
        if self.checkin:
            return "checkin"
        return "prompt" if self.anchor == APPOINTMENT else "reminder"

    def applies_to(self, *, program: str, category: str, kind: str) -> bool:
        if program not in self.programs:
            return False
        if self.anchor == APPOINTMENT:
            return category == APPOINTMENT and (
                self.appointment_kinds is None or kind in self.appointment_kinds
            )
        return category == "milestone" and kind == self.anchor


class PlanDocument(BaseModel):
    milestones: dict[Literal["ahsct", "msc", "evaluation"], list[str]] = Field(default_factory=dict)
    steps: list[PlanStep] = Field(default_factory=list)

    def step(self, key: str) -> PlanStep | None:
        return next((step for step in self.steps if step.key == key), None)

    def milestone_kinds(self, program: str) -> list[str]:
        return list(self.milestones.get(program, []))  # type: ignore[call-overload]


def parse_plans(document: object) -> PlanDocument:
    return PlanDocument.model_validate(document or {})


def plans_of(content: ContentSnapshot) -> PlanDocument:
    """The plan of this content snapshot, parsed once per snapshot."""
    document = content.documents.get("plans")
    cached = _parsed.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    parsed = parse_plans(document)
    if len(_parsed) >= MAX_CACHED_PLANS:  # one per language and form of the live snapshot
        _parsed.clear()
    _parsed[id(document)] = (document, parsed)
    return parsed


_parsed: dict[int, tuple[object, PlanDocument]] = {}
MAX_CACHED_PLANS = 8  # each language, detailed and discreet


def clinic_texts(content: ContentSnapshot) -> list[str]:
    """Every template a clinic sends on its own (reminders, prompts, check-in questions)."""
    texts = [step.text for step in plans_of(content).steps if step.text]
    texts += checkin_questions(content)
    return texts


def render(template: str, values: dict[str, str]) -> str:
    """Fill a template. Without a first name, "Hi {first_name}," reads "Hi,"; a value that
    ends with a full stop ("10:00 a.m.") ending a sentence takes no second one."""
    if not values.get("first_name"):
        template = _FIRST_NAME_SLOT.sub("", template)
    for name, value in values.items():
        if value.endswith("."):
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    return template.format(**values)


# Spanish dates in GSM-7-safe spelling ("sab", not "sáb"), so a reminder stays GSM-7.
SPANISH_DAYS = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")
SPANISH_MONTHS = (
    *("ene", "feb", "mar", "abr", "may", "jun"),
    *("jul", "ago", "sep", "oct", "nov", "dic"),
)


def format_appointment(at_local: datetime, language: str = "en") -> dict[str, str]:
    """{appointment_date} and {appointment_time} as a patient reads them in `language`."""
    if language == "es":
        weekday, month = SPANISH_DAYS[at_local.weekday()], SPANISH_MONTHS[at_local.month - 1]
        hour = at_local.strftime("%I:%M").lstrip("0")
        noon = "a.m." if at_local.hour < 12 else "p.m."
        return {
            "appointment_date": f"{weekday} {at_local.day} {month}",
            "appointment_time": f"{hour} {noon}",
        }
    hour = at_local.strftime("%I:%M %p").lstrip("0")
    return {"appointment_date": f"{at_local:%a %b} {at_local.day}", "appointment_time": hour}


def validate_plans(document: object) -> list[str]:
    try:
        plans = parse_plans(document)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    problems: list[str] = []
    seen: set[str] = set()
    for step in plans.steps:
        if step.key in seen:
            problems.append(f"{step.key}: the key is used twice")
        seen.add(step.key)
        problems += _step_problems(step, plans)
    return problems


def _step_problems(step: PlanStep, plans: PlanDocument) -> list[str]:
    problems: list[str] = []
    if step.anchor != APPOINTMENT:
        programs = [p for p in step.programs if step.anchor not in plans.milestone_kinds(p)]
        if programs:
            problems.append(f"{step.key}: {step.anchor} is not a milestone of {programs}")
    if step.text is None:
        return problems
    allowed = PLACEHOLDERS | (APPOINTMENT_PLACEHOLDERS if step.anchor == APPOINTMENT else set())
    try:
        unknown = placeholders_in(step.text) - allowed
        if unknown:
            return [*problems, f"{step.key}: unknown placeholder(s) {sorted(unknown)}"]
        problems += sized_for_every_name(step.key, step.text, SAMPLE_VALUES, kind="reminder")
    except (KeyError, IndexError, ValueError) as exc:
        return [*problems, f"{step.key}: the template cannot be filled in ({exc})"]
    if not CARE_TEAM_POINTER.search(step.text):
        problems.append(f"{step.key}: the text must point to the care team")
    if problem := symptom_call_problem(step.text):
        problems.append(f"{step.key}: {problem}")
    return problems


register_document_validator("plans", validate_plans)
