"""Quick replies in the compose box: the defaults filled in for the patient in their language,
a clinic's own in place of a default, a broken row that never breaks the page; the checks of
content/care_team.yaml and its translation; and an admin's edit of a default going live."""

from __future__ import annotations

import html

import pytest
import yaml

import lupus_sms.models  # noqa: F401  (every domain registers how its document is checked)
from lupus_sms.content import limits
from lupus_sms.content.limits import Limit
from lupus_sms.content.snapshot import ContentError
from lupus_sms.content.store import parse_texts, read_dir
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import NotFoundError
from lupus_sms.threads import quick_replies
from lupus_sms.threads.models import QuickReply
from tests.admin.conftest import *  # noqa: F403  (signed-in admin clients)

SHIPPED = read_dir(get_settings().content_dir)
CARE_TEAM = yaml.safe_load(SHIPPED["document:care_team"])
SPANISH = yaml.safe_load(SHIPPED["es/document:care_team"])


def _choices(db, clinic, patient) -> dict[str, quick_replies.QuickReplyChoice]:
    return {c.key: c for c in quick_replies.choices(db, clinic=clinic, patient=patient)}


def _own(db, clinic, key: str, body_en: str, body_es: str | None = None, title: str = "Own"):
    db.add(QuickReply(clinic_id=clinic.id, key=key, title=title, body_en=body_en, body_es=body_es))
    db.commit()


def test_the_defaults_are_filled_in_for_the_patient(db, clinic, patient):
    found = _choices(db, clinic, patient)
    assert list(found) == list(CARE_TEAM["quick_replies"])
    insurance = found["insurance"]
    assert insurance.title == "Insurance questions"
    assert insurance.body.startswith("Hi Ana, coverage depends on your plan.")
    assert "call (617) 555-0100 on weekdays" in insurance.body
    assert "{" not in "".join(choice.body for choice in found.values())
    assert quick_replies.render(db, clinic=clinic, patient=patient, key="call_911") == (
        "Ana, please call 911 now or go to the nearest emergency room. Then call us at "
        "(617) 555-0199."
    )


def test_a_spanish_reader_gets_the_spanish_defaults(db, clinic, patient):
    patient.phone_number.language = "es"
    db.commit()
    found = _choices(db, clinic, patient)
    assert found["insurance"].title == "Preguntas de seguro"
    assert found["insurance"].body.startswith("Hola Ana, la cobertura depende de su plan.")
    assert "llame al (617) 555-0100" in found["insurance"].body


def test_a_clinic_text_replaces_the_default_of_its_key_and_adds_others(db, clinic, patient):
    _own(db, clinic, "insurance", "Hi {first_name}, ask Rosa at {office_phone}.", title="Seguro")
    _own(db, clinic, "parking", "Park in lot B, {first_name}.", title="Parking")
    found = _choices(db, clinic, patient)
    assert list(found) == [*CARE_TEAM["quick_replies"], "parking"]  # the default's place kept
    assert (found["insurance"].title, found["insurance"].body) == (
        "Seguro",
        "Hi Ana, ask Rosa at (617) 555-0100.",
    )
    assert found["parking"].body == "Park in lot B, Ana."


def test_a_spanish_reader_gets_the_clinic_spanish_text_or_else_its_english(db, clinic, patient):
    _own(db, clinic, "insurance", "Ask Rosa, {first_name}.", "Pregunte a Rosa, {first_name}.")
    _own(db, clinic, "parking", "Park in lot B, {first_name}.")
    patient.phone_number.language = "es"
    db.commit()
    found = _choices(db, clinic, patient)
    assert found["insurance"].body == "Pregunte a Rosa, Ana."
    assert found["parking"].body == "Park in lot B, Ana."


def test_a_clinic_text_that_cannot_be_filled_in_never_breaks_the_compose_box(
    db, clinic, patient, caplog
):
    # Written around the checks (an older row, a direct database edit): a placeholder typo.
    _own(db, clinic, "insurance", "Hi {firstname}, ask Rosa.")
    _own(db, clinic, "parking", "Park in lot {}.")
    found = _choices(db, clinic, patient)
    assert found["insurance"].body.startswith("Hi Ana, coverage depends")  # the default stays
    assert "parking" not in found
    assert "cannot be filled in" in caplog.text
    with pytest.raises(NotFoundError):
        quick_replies.render(db, clinic=clinic, patient=patient, key="parking")


def _parse(english: dict | None = None, spanish: dict | None = None) -> list[str]:
    texts = dict(SHIPPED)
    if english is not None:
        texts["document:care_team"] = yaml.safe_dump(english, allow_unicode=True)
    if spanish is not None:
        texts["es/document:care_team"] = yaml.safe_dump(spanish, allow_unicode=True)
    try:
        parse_texts(texts, version=0)
    except ContentError as exc:
        return exc.problems
    return []


def _with_reply(document: dict, key: str, **reply) -> dict:
    replies = dict(document["quick_replies"])
    replies[key] = {**replies.get(key, {}), **reply}
    return {**document, "quick_replies": replies}


def test_the_shipped_care_team_texts_pass_every_check():
    assert _parse() == []


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"body": "Hi {firstname}, call us."}, "unknown placeholder(s) ['firstname']"),
        ({"body": "Hi {first_name!r}, call us."}, "no conversions or formats"),
        ({"body": "Call us {"}, "an unpaired {"),
        ({"body": "Call {office_phone}. " + "Please read this. " * 30}, "segments when filled in"),
        ({"title": ""}, "needs a `title` and a `body`"),
        ({"title": "T" * 81}, "longer than 80 characters"),
        ({"note": "x"}, "only `title` and `body`"),
    ],
)
def test_a_default_quick_reply_is_refused_with_the_reason(change, said):
    problems = _parse(_with_reply(CARE_TEAM, "insurance", **change))
    assert any("quick reply 'insurance'" in p and said in p for p in problems), problems


def test_a_default_key_must_be_one_a_clinic_can_use():
    problems = _parse(_with_reply(CARE_TEAM, "Parking Lot", title="Parking", body="Lot B."))
    assert any("small letters, digits and _" in p for p in problems), problems


@pytest.mark.parametrize(
    ("intro", "said"),
    [
        ("{clinic_name}: a person answers. Call 911 in an emergency, {first_name}.", "unknown"),
        ("{clinic_name}: a person from the clinic answers you.", "911"),
        ("{clinic_name}: " + "a person from the clinic answers. " * 5 + "Call 911.", "segments"),
        ("{clinic_name}: your lupus nurse answers. Call 911 in an emergency.", "no lupus"),
    ],
)
def test_the_opening_line_is_checked(intro, said):
    problems = _parse({**CARE_TEAM, "intro": intro})
    assert any("intro" in p and said in p for p in problems), problems


def test_the_document_needs_its_sections_and_no_others():
    assert any("`quick_replies` must map" in p for p in _parse({"intro": CARE_TEAM["intro"]}))
    problems = _parse({**CARE_TEAM, "replies": {}})
    assert any("`replies` is not a section here" in p for p in problems), problems


@pytest.mark.parametrize(
    ("spanish", "said"),
    [
        (_with_reply(SPANISH, "parking", title="Parqueo", body="Lote B."), "no such English text"),
        (_with_reply(SPANISH, "insurance", note="x"), "no such English text"),
        ({**SPANISH, "quick_replies": ["insurance"]}, "no such English text"),
        (_with_reply(SPANISH, "insurance", body="Hola, llame al {urgent_phone}."), "same placeh"),
        (_with_reply(SPANISH, "call_911", body="{first_name}, llame al {urgent_phone}."), "911"),
        ({**SPANISH, "notes": "x"}, "belong in the English file"),
        (_with_reply(SPANISH, "insurance", title="T" * 81), "at most 80 characters"),
    ],
)
def test_a_spanish_file_only_translates_the_english_texts(spanish, said):
    problems = _parse(spanish=spanish)
    assert any(p.startswith("es/") and said in p for p in problems), problems


@pytest.mark.parametrize(
    ("english", "spanish", "where", "word"),
    [
        ({"body": "Hi {first_name}, your lupus nurse: {office_phone}."}, None, "", "lupus"),
        (None, {"body": "Hola {first_name}, enfermera de lupus: {office_phone}."}, "es/", "lupus"),
        ({"body": "Hi {first_name}, chemo dates: call {office_phone}."}, None, "", "chemo"),
    ],
)
def test_a_default_quick_reply_never_names_the_illness(english, spanish, where, word):
    """Quick replies go to discreet patients too: their bodies never hold a listed word."""
    document = _with_reply(CARE_TEAM, "insurance", **english) if english else None
    translated = _with_reply(SPANISH, "insurance", **spanish) if spanish else None
    problems = _parse(document, spanish=translated)
    assert any(
        p.startswith(f"{where}care_team.quick_replies.insurance.body")
        and f"no {word}" in p
        and "patients who chose discreet texts" in p
        for p in problems
    ), problems


def test_a_default_title_may_name_the_illness():
    """Titles are read by staff in the compose box, never sent."""
    assert _parse(_with_reply(CARE_TEAM, "insurance", title="Lupus insurance questions")) == []


@pytest.mark.parametrize(
    ("kind", "where"),
    [("quick_reply", "quick reply 'insurance'"), ("conversation_intro", "intro")],
)
def test_the_sizes_come_from_the_one_table(monkeypatch, kind, where):
    monkeypatch.setitem(limits.SEGMENT_LIMITS, kind, Limit(0, "stricter than any text"))
    # Texts no other test parses: a set that passed is kept (store.parse_texts) and not rechecked.
    problems = _parse({**CARE_TEAM, "intro": CARE_TEAM["intro"] + " " * len(kind)})
    assert any(where in p and "segments when filled in" in p for p in problems), problems


# --- the admin console ---------------------------------------------------------------------


@pytest.fixture
def editor(browser_for, settings):
    settings.content_review_required = False
    return browser_for("editor@example.org", "editor")


def test_the_admin_lists_the_care_team_texts_and_shows_their_sizes(editor):
    listing = html.unescape(editor.get("/admin/content").text)
    assert "Care-team texts" in listing
    assert "/admin/content/edit/document:care_team" in listing
    assert "/admin/content/edit/es/document:care_team" in listing
    page = html.unescape(editor.get("/admin/content/edit/document:care_team").text)
    assert "quick_replies.insurance" in page and "segment(s) of 3 allowed" in page
    assert "segment(s) of 1 allowed" in page  # the opening line
    spanish = editor.get("/admin/content/edit/es/document:care_team")
    assert spanish.status_code == 200 and "Preguntas de seguro" in spanish.text


def test_an_admin_edit_of_a_default_goes_live_with_a_version(db, editor, clinic, patient):
    page = "/admin/content/edit/document:care_team"
    body = SHIPPED["document:care_team"].replace(
        "Our financial counselor can check it with you", "Our billing team can check it with you"
    )
    saved = editor.post(page, {"body": body, "note": "billing team"}, page=page)
    assert saved.status_code == 303 and "live" in saved.headers["location"]
    history = html.unescape(editor.get("/admin/content/history/document:care_team").text)
    assert "v2" in history and "billing team" in history
    found = _choices(db, clinic, patient)
    assert "Our billing team can check it with you" in found["insurance"].body
    assert found["insurance"].body.startswith("Hi Ana,")


def test_an_admin_edit_that_breaks_a_default_is_refused(editor):
    page = "/admin/content/edit/es/document:care_team"
    body = SHIPPED["es/document:care_team"].replace("{office_phone}", "{telefono}", 1)
    refused = editor.post(page, {"body": body, "note": "typo"}, page=page)
    assert refused.status_code == 422
    assert "use the same placeholders as the English text" in html.unescape(refused.text)
    history = editor.get("/admin/content/history/es/document:care_team").text
    assert "v2" not in history
