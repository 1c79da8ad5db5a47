"""Every plan step in both forms and both languages, filled in by the tick's own rendering
(`queue_planned`), and the whole planned year of a discreet patient without a listed word."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import lupus_sms.models  # noqa: F401  (registers every document's checks)
from lupus_sms.content.discreet import listed_words, words_in
from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.service import get_content
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.enqueue import display_phone, queue_planned
from lupus_sms.scheduling.plans import plans_of
from tests.factories import auth_headers, make_clinic, make_patient
from tests.helpers import reply_text
from tests.scheduling.support import add_anchor, planned, utc

NOW = utc(2026, 3, 10, 15, 0)
ANCHOR_AT = NOW + timedelta(days=40)
SHIPPED = load_content_dir(Path(__file__).resolve().parents[2] / "content")
STEPS = plans_of(SHIPPED).steps
URGENT = "+16175550199"


def _clinic(db):
    return make_clinic(
        db, name="Riverside Lupus Clinic", display_name="Riverside Health", urgent_phone=URGENT
    )


def _patient(db, clinic, *, program: str, language: str, level: str, phone="+12025550123"):
    patient = make_patient(db, clinic, program=program, name="Ada Lovelace", phone=phone)
    patient.phone_number.language = language
    patient.phone_number.privacy_level = level
    db.flush()
    return patient


def _anchor(db, patient, step):
    if step.anchor == "appointment":
        kind = (step.appointment_kinds or ["consultation"])[0]
        return add_anchor(db, patient, category="appointment", kind=kind, at=ANCHOR_AT, now=NOW)
    return add_anchor(db, patient, kind=step.anchor, at=ANCHOR_AT, now=NOW)


def _sent(db, row) -> str:
    queue_planned(db, row, row.due_at, get_content())
    db.flush()
    return db.scalar(select(Message.body).where(Message.planned_message_id == row.id))


def _rendered_step(db, step, *, language: str, level: str) -> str:
    clinic = _clinic(db)
    patient = _patient(db, clinic, program=step.programs[0], language=language, level=level)
    _anchor(db, patient, step)
    row = next(r for r in planned(db, patient) if r.step_key == step.key)
    return _sent(db, row)


@pytest.mark.parametrize("step", STEPS, ids=[step.key for step in STEPS])
def test_every_plan_step_has_both_forms_in_both_languages(db, step):
    words = listed_words(get_content())
    bodies = {}
    for language in ("en", "es"):
        for level in ("discreet", "detailed"):
            body = _rendered_step(db, step, language=language, level=level)
            bodies[language, level] = body
            assert body, (language, level)
    for language in ("en", "es"):
        discreet, detailed = bodies[language, "discreet"], bodies[language, "detailed"]
        assert discreet.startswith("Riverside Health:")
        assert detailed.startswith("Riverside Lupus Clinic:")
        assert words_in(discreet, words) == []
        # The safety advice stays: a text that gives the 24/7 line gives it in both forms.
        if display_phone(URGENT) in detailed:
            assert display_phone(URGENT) in discreet
    assert bodies["en", "discreet"] != bodies["es", "discreet"]
    assert bodies["en", "detailed"] != bodies["es", "detailed"]


def test_a_clinic_without_a_display_name_is_never_named_in_a_discreet_text(db):
    clinic = make_clinic(db, name="Riverside Lupus Clinic")
    step = plans_of(SHIPPED).step("ahsct_collection_eve")
    patient = _patient(db, clinic, program="ahsct", language="en", level="discreet")
    _anchor(db, patient, step)
    row = next(r for r in planned(db, patient) if r.step_key == step.key)
    assert _sent(db, row).startswith("Your care team: Hi Ada, a reminder that your visit is")


def test_a_clinic_with_a_neutral_name_keeps_it(db):
    clinic = make_clinic(db, name="Riverside Health Center")
    step = plans_of(SHIPPED).step("ahsct_day14")
    patient = _patient(db, clinic, program="ahsct", language="en", level="discreet")
    _anchor(db, patient, step)
    row = next(r for r in planned(db, patient) if r.step_key == step.key)
    assert _sent(db, row).startswith("Riverside Health Center: Hi Ada")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_discreet_patients_whole_planned_year_has_no_listed_word(db, language):
    """Done when: every program, every anchor, a year of texts, nothing listed."""
    clinic = _clinic(db)
    words = listed_words(get_content())
    plans = plans_of(SHIPPED)
    phones = {"ahsct": "+12025550131", "msc": "+12025550132", "evaluation": "+12025550133"}
    bodies = []
    for program, phone in phones.items():
        patient = _patient(db, clinic, program=program, language=language, level="discreet",
                           phone=phone)  # fmt: skip
        for kind in ("evaluation", "consultation", "procedure", "follow-up"):
            at = ANCHOR_AT + timedelta(days=len(kind))
            add_anchor(db, patient, category="appointment", kind=kind, at=at, now=NOW)
        for index, kind in enumerate(plans.milestone_kinds(program)):
            add_anchor(db, patient, kind=kind, at=ANCHOR_AT + timedelta(days=index), now=NOW)
        rows = planned(db, patient)
        assert rows
        bodies += [_sent(db, row) for row in rows]
    assert len(bodies) >= len(plans.steps) - 1
    offending = {body: words_in(body, words) for body in bodies if words_in(body, words)}
    assert offending == {}
    assert all(body.startswith("Riverside Health:") for body in bodies)


SYSTEM_WORDS = {
    "en": ("YES", "HELP", "MENU", "STOP", "START"),
    "es": ("SI", "AYUDA", "MENU", "PARAR", "COMENZAR"),
}


@pytest.mark.parametrize(("language", "words"), SYSTEM_WORDS.items())
def test_every_system_text_a_discreet_number_gets_has_no_listed_word(
    db, client, twilio, language, words
):
    """Done when, for the texts around the plan: the invitation, the consent confirmation,
    HELP, the MENU heading, the opt-out and opt-in confirmations, in both languages."""
    clinic = _clinic(db)
    client.headers.update(auth_headers(db, clinic))
    body = {"phone": "(202) 555-0123", "consent_source": "in_person", "program": "ahsct"}
    assert client.post("/api/v1/patients", json=body | {"language": language}).status_code == 201
    invitation = db.scalar(select(Message.body).where(Message.kind == "consent_invitation"))
    yes, help_word, menu, stop, start = words
    texts = {
        "invitation": invitation,
        "confirmation": reply_text(twilio.sms(yes)),
        "help": reply_text(twilio.sms(help_word)),
        "menu heading": reply_text(twilio.sms(menu)).split("\n")[0],
        "opt-out": reply_text(twilio.sms(stop)),
    }
    texts["opt-in"] = reply_text(twilio.sms(start))  # Twilio took START: it answers itself
    listed = listed_words(get_content())
    assert {
        name: words_in(text, listed) for name, text in texts.items() if words_in(text, listed)
    } == {}
    assert texts["invitation"].startswith("Riverside Health:")
    assert texts["confirmation"].startswith("Riverside Health:")
    assert all(texts[name] for name in ("help", "menu heading", "confirmation"))
