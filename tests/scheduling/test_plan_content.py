"""content/plans.yaml: checked when content is loaded or edited, never at send time."""

from __future__ import annotations

import copy

import pytest
import yaml

from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.core.config import get_settings
from lupus_sms.scheduling.plans import SAMPLE_VALUES, parse_plans, render, validate_plans

PLANS = yaml.safe_load((get_settings().content_dir / "plans.yaml").read_text(encoding="utf-8"))


def with_step(**changes) -> dict:
    document = copy.deepcopy(PLANS)
    document["steps"][0].update(changes)
    return document


def test_the_shipped_plans_are_valid_and_loaded():
    content = load_content_dir(get_settings().content_dir)
    assert validate_plans(content.document("plans")) == []


def test_the_shipped_checkin_steps_name_existing_checkins():
    content = load_content_dir(get_settings().content_dir)
    checkins = content.document("checkins")["checkins"]
    keys = {step.checkin for step in parse_plans(PLANS).steps if step.checkin}
    assert keys and keys <= set(checkins)


def test_every_shipped_text_fits_two_gsm_segments_and_names_the_care_team():
    for step in parse_plans(PLANS).steps:
        if step.text:
            assert "care team" in render(step.text, SAMPLE_VALUES)


def test_the_pre_appointment_prompts_carry_all_six_questions():
    texts = " ".join(s.text for s in parse_plans(PLANS).steps if s.key.startswith("appt_q"))
    for number in range(1, 7):
        assert f"{number})" in texts
    assert texts.count("Reply QUESTIONS for the full list") == 3


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"text": "Hi {firstname}, call your care team."}, "unknown placeholder"),
        ({"text": "Hi {first_name, call your care team."}, "unpaired { or }"),
        ({"text": "Hi {first_name}, call your care team " + "x" * 300}, "at most 2"),
        ({"text": "Hi {first_name}, call your care team \u2019now\u2019."}, "GSM-7"),
        ({"text": "Hi {first_name}, see you soon."}, "care team"),
        ({"offset": {"days": -400}}, "offset.days"),
        ({"send_at": "25:00"}, "send_at"),
        ({"send_at": "22:00"}, "22:00 is at night: texts go out between 08:00 and 20:00"),
        ({"send_at": "07:59"}, "07:59 is at night"),
        ({"anchor": "moon_landing"}, "not a milestone"),
        ({"checkin": "symptoms"}, "either text or checkin"),
    ],
)
def test_bad_steps_are_refused_with_a_clear_problem(changes, problem):
    document = with_step(**changes)
    if changes.get("anchor") == "moon_landing":
        document["steps"][0].pop("appointment_kinds", None)
    problems = validate_plans(document)
    assert any(problem in p for p in problems), problems


def test_appointment_placeholders_only_in_appointment_steps():
    document = copy.deepcopy(PLANS)
    step = next(s for s in document["steps"] if s["anchor"] == "infusion" and "text" in s)
    step["text"] = "On {appointment_date} call your care team."
    assert any("unknown placeholder" in p for p in validate_plans(document))


def test_loading_content_with_a_broken_plan_fails():
    content = load_content_dir(get_settings().content_dir)
    documents = dict(content.documents)
    documents["plans"] = with_step(text="Hi {nickname}, call your care team.")
    with pytest.raises(ContentError) as raised:
        ContentSnapshot.build(
            topics=list(content.topics),
            messages=content.messages,
            version=1,
            documents=documents,
        )
    assert any("plans:" in p and "nickname" in p for p in raised.value.problems)


def test_a_missing_first_name_reads_gracefully():
    assert render("Hi {first_name}, call your care team.", {"first_name": ""}) == (
        "Hi, call your care team."
    )
