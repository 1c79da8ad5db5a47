"""The one table of segment limits: every validator reads it, and every shipped text fits it
filled in with the longest clinic name and accented and long first names."""

from __future__ import annotations

import copy

import pytest

from lupus_sms.checkins.document import checkin_question
from lupus_sms.clinics.service import validate_clinic_name
from lupus_sms.content import limits
from lupus_sms.content.limits import (
    LONG_VALUES,
    LONGEST_CLINIC_NAME,
    LONGEST_CLINIC_SAMPLE,
    ONE_CLINIC_VALUES,
    SAMPLE_FIRST_NAMES,
    Limit,
    first_name_for_text,
    limit,
)
from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.segments import analyze
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.scheduling.plans import parse_plans, render

SHIPPED = load_content_dir(get_settings().content_dir)
LANGUAGES = ("en", "es")


def rebuild(translations=None) -> ContentSnapshot:
    return ContentSnapshot.build(
        topics=list(SHIPPED.topics),
        messages=SHIPPED.messages,
        version=0,
        documents=SHIPPED.documents,
        translations=translations or SHIPPED.translations,
    )


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("topic_part", "part 1: longer than 1"),
        ("menu_page", "menu page"),
        ("message", "messages.help"),
        ("reminder", "plans: ahsct_day7"),
        ("checkin_question", "checkins: symptoms"),
        ("checkin_reply", "replies.temperature_noted"),
        ("safety_reply", "replies.red_flag: longer than 1"),
        ("stop_red_flag", "with messages.opt_out_confirmation"),
    ],
)
def test_every_validator_reads_its_limit_from_the_one_table(monkeypatch, kind, where):
    monkeypatch.setitem(limits.SEGMENT_LIMITS, kind, Limit(1, "a stricter limit"))
    with pytest.raises(ContentError) as refused:
        rebuild()
    assert any(where in problem for problem in refused.value.problems), refused.value.problems


def test_the_table_covers_what_the_product_promises():
    assert [limit(k) for k in ("topic_part", "menu_page", "reminder", "checkin_question")] == [
        2
    ] * 4
    assert limit("safety_reply") == 3 and limit("stop_red_flag") >= limit("safety_reply")
    assert len(LONGEST_CLINIC_SAMPLE) == LONGEST_CLINIC_NAME


@pytest.mark.parametrize(
    ("name", "keep_accents", "sent"),
    [
        ("María José Pérez", False, "Maria"),
        ("María José Pérez", True, "María"),
        ("Zoë", False, "Zoe"),
        ("José", False, "José"),  # é is GSM-7: nothing to fold
        ("Ñusta", False, "Ñusta"),
        ("Çelik", False, "Çelik"),
        ("çelik", False, "celik"),  # small ç is not GSM-7
        ("O\u2019Brien", False, "O'Brien"),
        ("Ángela-María Pérez", False, "Angela-Maria"),
        ("Maximilianoooo Smith", False, "Maximilianoo"),
        ("Anne-", False, "Anne"),
        ("李", False, ""),
        ("  ", False, ""),
        (None, False, ""),
    ],
)
def test_first_names_are_folded_to_gsm7_and_cut(name, keep_accents, sent):
    assert first_name_for_text(name, keep_accents=keep_accents) == sent


def _clinic_texts(language: str) -> list[tuple[str, str]]:
    view = SHIPPED.for_language(language)
    texts = [(s.key, s.text) for s in parse_plans(view.documents["plans"]).steps if s.text]
    for key in view.documents["checkins"]["checkins"]:
        texts.append((f"checkin {key}", checkin_question(view, key)))
    return texts


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SAMPLE_FIRST_NAMES)
def test_every_reminder_and_checkin_fits_with_accented_and_long_names(language, name):
    values = ONE_CLINIC_VALUES | {"first_name": first_name_for_text(name)}
    for key, template in _clinic_texts(language):
        info = analyze(render(template, values))
        assert info.encoding == "GSM-7", (key, info.non_gsm_characters)
        kind = "checkin_question" if key.startswith("checkin") else "reminder"
        assert info.segments <= limit(kind), (language, key, info.units)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_safety_reply_and_the_stop_plus_red_flag_reply_fit(language):
    view = SHIPPED.for_language(language)
    confirmation = view.text("opt_out_confirmation")
    for name, text in view.documents["safety"]["replies"].items():
        reply = text.format(**LONG_VALUES)
        assert analyze(reply).segments <= limit("safety_reply"), (language, name)
        combined = analyze(f"{reply} {confirmation}")
        assert combined.segments <= limit("stop_red_flag"), (language, name, combined)


def test_the_spanish_stop_plus_red_flag_reply_as_sent(twilio):
    twilio.sms("ESPANOL", from_="+12025550181")
    response = twilio.sms("no me manden mas mensajes, quiero morir", from_="+12025550181")
    reply = response.text.split("<Message", 1)[1].split(">", 1)[1].split("</Message>")[0]
    assert "988" in reply and "COMENZAR" in reply
    info = analyze(reply)
    assert info.encoding == "GSM-7" and info.segments <= limit("stop_red_flag")


def test_a_too_long_pair_of_safety_reply_and_opt_out_confirmation_is_refused():
    translations = copy.deepcopy(SHIPPED.translations)
    translations["es"].messages["opt_out_confirmation"] = (
        "{program_name}: Canceló su suscripción y no recibirá más mensajes de este programa. "
        "Responda COMENZAR para volver."
    )
    with pytest.raises(ContentError) as refused:
        rebuild(translations)
    assert any("es/safety.replies.self_harm with messages" in p for p in refused.value.problems)


def test_a_clinic_name_longer_than_every_text_is_checked_with_is_refused():
    assert validate_clinic_name("X" * LONGEST_CLINIC_NAME) == "X" * LONGEST_CLINIC_NAME
    with pytest.raises(ValidationFailed, match=f"1 to {LONGEST_CLINIC_NAME} characters"):
        validate_clinic_name("X" * (LONGEST_CLINIC_NAME + 1))
