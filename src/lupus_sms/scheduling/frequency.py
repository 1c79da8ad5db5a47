"""How many texts a program's plan can send in one week: what consent texts may promise.

Carriers require the consent texts to say how often we text, and the statement must be
true. The plan's steps hang off different anchors whose dates the clinic sets: a discharge
can fall in the first week after the infusion, an evaluation visit in the same week as
both. So the honest maximum places one anchor of every kind a program's steps use (each
milestone once, one appointment of each kind) at its own densest week and adds them up.
A consent text that states a weekly number below that for any program is refused (no
reminder is dropped to meet a number); "Msg frequency varies" is always true.
"""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from lupus_sms.content.snapshot import ContentSnapshot, register_view_check
from lupus_sms.content.wording import REQUIRED_WORDING, WEEKLY_COUNT
from lupus_sms.enrollment.schemas import AppointmentKind
from lupus_sms.scheduling.plans import APPOINTMENT, PROGRAMS, PlanDocument, PlanStep, plans_of

WEEK = timedelta(days=7)
APPOINTMENT_KINDS = get_args(AppointmentKind)


def most_texts_in_a_week(plans: PlanDocument, program: str) -> int:
    """The most texts any 7 days can hold for a patient of `program` (see the module doc)."""
    anchors = [("milestone", kind) for kind in plans.milestone_kinds(program)]
    anchors += [(APPOINTMENT, kind) for kind in APPOINTMENT_KINDS]
    total = 0
    for category, kind in anchors:
        steps = [
            s for s in plans.steps if s.applies_to(program=program, category=category, kind=kind)
        ]
        total += densest_week([_after_anchor(step) for step in steps])
    return total


def densest_week(times: list[timedelta]) -> int:
    """The most of `times` that fall within one window of 7 days (a week after the first)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, time in enumerate(ordered):
        while time - ordered[start] >= WEEK:
            start += 1
        best = max(best, end - start + 1)
    return best


def _after_anchor(step: PlanStep) -> timedelta:
    """When a step goes out after its anchor's day begins (an hours offset is counted from
    the start of the day: anchors' own times only move such steps within a day)."""
    sent_at = timedelta(0)
    if step.send_at:
        hours, minutes = (int(part) for part in step.send_at.split(":"))
        sent_at = timedelta(hours=hours, minutes=minutes)
    return timedelta(days=step.offset.days, hours=step.offset.hours) + sent_at


def frequency_problems(content: ContentSnapshot) -> list[str]:
    """Consent texts that promise fewer texts a week than a program's plan can send."""
    plans = plans_of(content)
    most = {program: most_texts_in_a_week(plans, program) for program in PROGRAMS}
    program, worst = max(most.items(), key=lambda item: item[1])
    problems = []
    for name in REQUIRED_WORDING:
        stated = WEEKLY_COUNT.search(content.messages.get(name, ""))
        if stated and int(stated.group(1)) < worst:
            problems.append(
                f"messages.{name}: promises {stated.group(0)!r}, but the {program} plan can "
                f"send {worst} texts in one week ({_each(most)}); say 'Msg frequency varies' "
                "or a number of at least that"
            )
    return problems


def _each(most: dict[str, int]) -> str:
    return ", ".join(f"{program} {count}" for program, count in most.items())


register_view_check(frequency_problems)
