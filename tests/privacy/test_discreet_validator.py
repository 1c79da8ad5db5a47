"""The content validator: discreet texts hold no listed word (whole words, any case, with or
without accents), every plan text and check-in question has a discreet form, and the
discreet forms keep the carriers' wording."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import lupus_sms.models  # noqa: F401
from lupus_sms.content.discreet import fold_words, words_in
from lupus_sms.content.snapshot import ContentError
from lupus_sms.content.store import parse_texts, read_dir

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _texts() -> dict[str, str]:
    return read_dir(CONTENT)


def _problems(texts: dict[str, str]) -> list[str]:
    try:
        parse_texts(texts, version=99)
    except ContentError as error:
        return error.problems
    return []


def _edit(texts: dict[str, str], key: str, change) -> dict[str, str]:
    data = yaml.safe_load(texts[key])
    change(data)
    return {**texts, key: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)}


def test_the_shipped_content_is_valid():
    assert _problems(_texts()) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your LUPUS visit", ["lupus"]),
        ("your stem-cell collection", ["stem cell"]),
        ("sus Células Madre", ["células madre"]),
        ("sus celulas madre", ["células madre"]),
        ("la infusión de mañana", ["infusión"]),
        ("aHSCT day 1", ["aHSCT"]),
        ("a lupusfree week", []),  # whole words only
        ("les recordamos su cita", []),
    ],
)
def test_words_match_whole_words_in_any_case_with_or_without_accents(text, found):
    words = ("lupus", "stem cell", "células madre", "infusión", "aHSCT")
    assert words_in(text, words) == found
    assert fold_words("Células-Madre!") == "celulas madre"


@pytest.mark.parametrize(
    ("key", "path", "text"),
    [
        (
            "document:discreet",
            ("plans", "ahsct_day14"),
            "{clinic_name}: Hi {first_name}, Lupus care. Call your care team at {clinic_phone}.",
        ),
        (
            "es/document:discreet",
            ("plans", "ahsct_day14"),
            "{clinic_name}: Hola {first_name}, su trasplante. Llame a su equipo al {clinic_phone}.",
        ),
        (
            "es/document:discreet",
            ("checkins", "symptoms"),
            "{clinic_name}: Hola {first_name}, ¿como va la Infusion? 1 2 3 4 5 911",
        ),
        (
            "document:discreet",
            ("messages", "help"),
            "{program_name}: Rheumatology texts. Call 911 in an emergency. Reply STOP to opt out.",
        ),
    ],
)
def test_a_discreet_text_with_a_listed_word_is_refused(key, path, text):
    def change(data):
        data[path[0]][path[1]] = text

    problems = _problems(_edit(_texts(), key, change))
    assert any("a discreet text must not say" in p for p in problems), problems


def test_the_invitation_is_always_discreet():
    def change(data):
        data["consent_invitation"] = data["consent_invitation"].replace("care texts", "lupus texts")

    problems = _problems(_edit(_texts(), "messages", change))
    assert any(
        "messages.consent_invitation: a discreet text must not say lupus" in p for p in problems
    )


def test_a_plan_text_without_its_discreet_form_is_refused():
    texts = _edit(_texts(), "document:discreet", lambda d: d["plans"].pop("msc_day7"))
    problems = _problems(_edit(texts, "es/document:discreet", lambda d: d["plans"].pop("msc_day7")))
    assert "discreet: plans.msc_day7 has no discreet form" in problems


def test_a_check_in_without_its_discreet_question_is_refused():
    texts = _edit(_texts(), "document:discreet", lambda d: d["checkins"].pop("symptoms"))
    problems = _problems(
        _edit(texts, "es/document:discreet", lambda d: d["checkins"].pop("symptoms"))
    )
    assert "discreet: checkins.symptoms has no discreet form" in problems


def test_a_discreet_message_keeps_the_carriers_wording():
    def change(data):
        data["messages"]["opt_out_confirmation"] = "{program_name}: You are unsubscribed."

    problems = _problems(_edit(_texts(), "document:discreet", change))
    assert any(
        "discreet: messages.opt_out_confirmation: must say how to come back" in p for p in problems
    )


def test_a_discreet_reminder_still_gives_the_24_7_line_for_a_symptom():
    def change(data):
        data["plans"]["msc_day7"] = (
            "{clinic_name}: Hi {first_name}. Fever? Call your care team at {clinic_phone}."
        )

    texts = _edit(_texts(), "document:discreet", change)
    problems = _problems(_edit(texts, "es/document:discreet", lambda d: d["plans"].pop("msc_day7")))
    assert any("discreet: plans: msc_day7" in p and "24/7" in p for p in problems), problems


def test_the_word_list_is_required():
    problems = _problems(_edit(_texts(), "document:discreet_words", lambda d: d.update(words=[])))
    assert any(p.startswith("discreet_words: words") for p in problems)


def test_a_discreet_view_knows_its_detailed_one_in_every_language():
    from lupus_sms.content import discreet
    from lupus_sms.content.discreet import DETAILED, DISCREET, for_privacy

    content = parse_texts(_texts(), version=98)
    quiet = for_privacy(content, DISCREET)
    spanish = quiet.for_language("es")
    discreet._families.clear()  # a cache emptied by other snapshots changes nothing
    assert spanish.discreet and spanish.language == "es"
    assert for_privacy(spanish, DETAILED) is content.for_language("es")
    assert for_privacy(quiet, DETAILED) is content
    assert for_privacy(content, DETAILED) is content


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("transplanted last year", ["transplant"]),
        ("Lupuscare Center", ["lupus"]),
        ("lupus2", ["lupus"]),
        ("L.U.P.U.S. Center", ["lupus"]),
        ("l-u-p-u-s", ["lupus"]),
        ("sleep well", []),  # SLE is a whole word, not a stem
        ("a b c", []),
    ],
)
def test_a_stem_finds_every_form_and_spelled_out_letters_read_as_the_word(text, found):
    assert words_in(text, ("transplant*", "lupus*", "SLE")) == found


@pytest.mark.parametrize(
    "word",
    [
        "stemcell", "transplanted", "engrafted", "Rheum", "BMT", "leukapheresis",
        "immunosuppressed", "l-u-p-u-s", "lupus2", "Cytoxan", "Neupogen", "rituximab",
        "plerixafor", "lupico", "lúpica", "trasplantado", "reumatóloga", "quimios", "Cancer",
        "Autoimmune", "Immunology", "Leukemia", "Blood and Marrow", "Benlysta", "Saphnelo",
    ],
)  # fmt: skip
def test_the_shipped_list_refuses_the_forms_an_outside_reader_tried(word):
    texts = _texts()
    words = yaml.safe_load(texts["document:discreet_words"])["words"]
    assert words_in(f"see you at the {word} unit", words), word
