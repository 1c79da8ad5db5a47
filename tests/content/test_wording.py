"""What texts must say: the 24/7 number wherever a text says to call about a symptom, what
carriers require of consent texts, an honest frequency, and Spanish verbs with their meaning."""

from __future__ import annotations

import copy

import pytest

import lupus_sms.alerts
import lupus_sms.scheduling  # noqa: F401 - registers the plans validator and frequency check
from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.content.translation import Translation
from lupus_sms.content.wording import symptom_call_problem
from lupus_sms.core.config import get_settings

SHIPPED = load_content_dir(get_settings().content_dir)


def build(*, messages=None, documents=None, spanish: Translation | None = None) -> None:
    translations = dict(SHIPPED.translations)
    if spanish is not None:
        translations["es"] = spanish
    ContentSnapshot.build(
        topics=list(SHIPPED.topics),
        messages=messages or SHIPPED.messages,
        version=0,
        documents=documents or SHIPPED.documents,
        translations=translations,
    )


def problems_of(**changes) -> list[str]:
    with pytest.raises(ContentError) as refused:
        build(**changes)
    return refused.value.problems


def spanish_with(**documents_or_messages) -> Translation:
    spanish = copy.deepcopy(SHIPPED.translations["es"])
    for name, value in documents_or_messages.items():
        if name == "messages":
            spanish.messages.update(value)
        else:
            spanish.documents[name] = value
    return spanish


@pytest.mark.parametrize(
    "text",
    [
        "Fever of 38.0 C or more? Call your care team: {clinic_phone}. Emergency: 911.",
        "Call your care team at {clinic_phone} for a fever or chills.",
        "New or worse symptoms? Call us. Emergency: 911.",
        "¿Fiebre o escalofrios? Llame a su equipo al {clinic_phone}.",
    ],
)
def test_a_call_about_a_symptom_without_the_24_7_number_is_found(text):
    assert "{urgent_phone}" in symptom_call_problem(text)


@pytest.mark.parametrize(
    "text",
    [
        "Call your care team's 24/7 line for a fever: {urgent_phone}. Emergency: 911.",
        "Questions, or need to change it? Call your care team at {clinic_phone}.",
        "Reply 2 fever or chills, 3 bleeding. Emergency? Call 911.",
        "Trouble breathing? Call 911.",
    ],
)
def test_other_calls_pass(text):
    assert symptom_call_problem(text) is None


def test_every_shipped_line_about_a_symptom_gives_the_urgent_number():
    for language in ("en", "es"):
        view = SHIPPED.for_language(language)
        texts = [s["text"] for s in view.documents["plans"]["steps"] if "text" in s]
        texts += [c["question"] for c in view.documents["checkins"]["checkins"].values()]
        texts += list(view.documents["checkins"]["replies"].values())
        assert [t for t in texts if symptom_call_problem(t)] == []
        fever_lines = [t for t in texts if "38.0" in t and ("Call" in t or "Llame" in t)]
        assert fever_lines and all("{urgent_phone}" in t for t in fever_lines)


def test_the_plan_validator_refuses_a_fever_line_with_the_office_number():
    documents = copy.deepcopy(SHIPPED.documents)
    step = next(s for s in documents["plans"]["steps"] if s["key"] == "ahsct_day7")
    step["text"] = step["text"].replace("{urgent_phone}", "{clinic_phone}")
    assert any(
        "plans: ahsct_day7" in p and "{urgent_phone}" in p for p in problems_of(documents=documents)
    )


def test_the_checkin_and_spanish_validators_refuse_it_too():
    documents = copy.deepcopy(SHIPPED.documents)
    question = documents["checkins"]["checkins"]["temperature"]["question"]
    documents["checkins"]["checkins"]["temperature"]["question"] = question.replace(
        ": {urgent_phone}", ""
    )
    assert any("checkins: temperature" in p for p in problems_of(documents=documents))
    texts = dict(SHIPPED.translations["es"].documents["plans"]["texts"])
    # Same placeholders as the English reminder, but a call about a fever on the office line.
    texts["appt_reminder_1d"] = texts["appt_reminder_1d"].replace(
        "¿Preguntas o necesita cambiarla?", "¿Fiebre o necesita cambiarla?"
    )
    problems = problems_of(spanish=spanish_with(plans={"texts": texts}))
    assert any("es/plans.appt_reminder_1d" in p and "{urgent_phone}" in p for p in problems)


CONSENT_TEXTS = ["consent_confirmation", "consent_invitation", "opt_in_confirmation"]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", CONSENT_TEXTS)
def test_consent_texts_carry_what_carriers_require_in_both_languages(language, name):
    text = SHIPPED.for_language(language).messages[name]
    words = {
        "en": ("HELP", "STOP", "Msg&data rates may apply", "Msg frequency varies"),
        "es": ("AYUDA", "PARAR", "Pueden aplicar tarifas de mensajes y datos", "Frecuencia"),
    }[language]
    for word in words:
        assert word in text, (language, name, word)
    if name != "consent_invitation":  # the invitation may reach a wrong number: no program
        assert "{program_name}" in text


@pytest.mark.parametrize(
    ("name", "text", "lacking"),
    [
        ("consent_confirmation", "{clinic_name}: You joined {program_name}.", "HELP for help"),
        (
            "consent_invitation",
            "{clinic_name}: Reply YES to join. Reply HELP for help, STOP to opt out.",
            "Msg&data rates",
        ),
        (
            "opt_in_confirmation",
            "{program_name}: Subscribed. Msg frequency varies. HELP for help. "
            "Msg&data rates may apply.",
            "STOP to opt out",
        ),
        (
            "consent_invitation",
            "{clinic_name}: Msg frequency varies. Reply HELP for help, STOP to opt out. "
            "Msg&data rates may apply.",
            "YES to join",
        ),
        ("help", "{program_name}: Reply MENU for topics. Reply STOP to opt out.", "911"),
        ("opt_out_confirmation", "{program_name}: You are unsubscribed.", "START"),
    ],
)
def test_a_consent_text_without_the_required_wording_is_refused(name, text, lacking):
    problems = problems_of(messages=SHIPPED.messages | {name: text})
    assert any(f"messages.{name}" in p and lacking in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("Help {} here. Call 911. STOP", "a placeholder is a name"),
        ("{program_name!r} help. Call 911. Reply STOP", "no conversions or formats"),
        ("{program_name:>40} help. Call 911. Reply STOP", "no conversions or formats"),
        ("{program_name help. Call 911. Reply STOP", "unpaired { or }"),
        ("{program_name} help} Call 911. Reply STOP", "unpaired { or }"),
        ("{0} help. Call 911. Reply STOP", "a placeholder is a name"),
    ],
)
def test_a_malformed_or_empty_message_is_refused_not_sent_as_a_server_error(text, said):
    problems = problems_of(messages=SHIPPED.messages | {"help": text})
    assert any("messages.help" in p and said in p for p in problems), problems


def test_a_spanish_consent_text_must_use_the_spanish_words():
    text = SHIPPED.translations["es"].messages["consent_invitation"].replace("PARAR", "STOP")
    problems = problems_of(spanish=spanish_with(messages={"consent_invitation": text}))
    assert any("es/messages.consent_invitation" in p and "PARAR" in p for p in problems)


def test_a_weekly_number_below_what_the_plans_send_is_refused():
    def promising(count: int) -> dict:
        english = SHIPPED.messages["consent_invitation"].replace(
            "Msg frequency varies.", f"Up to {count} msgs/week."
        )
        spanish = (
            SHIPPED.translations["es"]
            .messages["consent_invitation"]
            .replace("Frecuencia de mensajes variable.", f"Hasta {count} mensajes por semana.")
        )
        return {
            "messages": SHIPPED.messages | {"consent_invitation": english},
            "spanish": spanish_with(messages={"consent_invitation": spanish}),
        }

    problems = problems_of(**promising(4))
    assert any("promises '4 msgs/week'" in p and "ahsct plan can send 14" in p for p in problems)
    assert any(
        p.startswith("es/messages.consent_invitation: promises '4 mensajes por semana'")
        for p in problems
    )
    build(**promising(14))


@pytest.mark.parametrize(("word", "accented"), [("invito", "invitó"), ("durara", "durará")])
def test_a_spanish_verb_that_changes_meaning_without_its_accent_is_refused(word, accented):
    text = f"Mas de una clinica le {word}. ¿A cual se une? Responda {{choices}}."
    problems = problems_of(spanish=spanish_with(messages={"consent_which_clinic": text}))
    assert any(repr(word) in p and repr(accented) in p for p in problems)


def test_the_shipped_spanish_has_no_verb_that_lost_its_meaning():
    spanish = SHIPPED.for_language("es")
    texts = list(spanish.messages.values()) + [p for t in spanish.topics for p in t.parts]
    texts += list(spanish.translations["es"].documents["plans"]["texts"].values())
    for word in ("invito", "durara", "necesitare", "tendre", "casi siempre", "pueden calmar"):
        assert not any(word in text.lower().split() or f" {word} " in text for text in texts)
    questions = " ".join(spanish.translations["es"].documents["plans"]["texts"].values())
    assert "probadas" in questions  # "proven", as in the English prompt
