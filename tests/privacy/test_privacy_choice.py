"""The privacy level: chosen by text (PRIVATE / DETAILS and the Spanish words), recorded in
person by a clinic the number consented to (API), refused for any other clinic; FULL, the
replies that have both forms, and safety replies that stay explicit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lupus_sms.content.discreet import listed_words, words_in
from lupus_sms.content.service import get_content
from lupus_sms.enrollment.models import ConsentEvent
from lupus_sms.messaging.models import PhoneNumber
from tests.factories import auth_headers, make_clinic, make_patient
from tests.helpers import reply_text
from tests.scheduling.support import add_anchor, planned, utc

PHONE = "+12025550123"
NOW = utc(2026, 3, 10, 15, 0)


def _level(db, phone: str = PHONE) -> str:
    db.expire_all()
    return db.scalar(select(PhoneNumber.privacy_level).where(PhoneNumber.e164 == phone))


def _events(db, kind="privacy") -> list[ConsentEvent]:
    db.expire_all()
    return list(db.scalars(select(ConsentEvent).where(ConsentEvent.kind == kind)))


def test_a_number_is_discreet_until_it_asks_for_details(db, twilio):
    clinic = make_clinic(db)
    make_patient(db, clinic)
    reply = reply_text(twilio.sms("HELP"))
    assert reply.startswith("Care Texts:") and "Lupus" not in reply
    assert _level(db) == "discreet"
    reply = reply_text(twilio.sms("details"))
    assert "PRIVATE" in reply and _level(db) == "detailed"
    assert reply_text(twilio.sms("HELP")).startswith("Lupus Stem Cell Info:")
    reply = reply_text(twilio.sms("Private"))
    assert "FULL" in reply and _level(db) == "discreet"
    assert [event.note for event in _events(db)] == ["detailed", "discreet"]
    assert all(event.source == "sms_keyword" for event in _events(db))


@pytest.mark.parametrize(
    ("word", "level", "expected"),
    [("PRIVADO", "discreet", "COMPLETO"), ("DETALLES", "detailed", "PRIVADO")],
)
def test_the_spanish_words_set_the_level_and_answer_in_spanish(db, twilio, word, level, expected):
    clinic = make_clinic(db)
    make_patient(db, clinic)
    reply_text(twilio.sms("ESPANOL"))
    if level == "discreet":
        reply_text(twilio.sms("DETALLES"))
    reply = reply_text(twilio.sms(word))
    assert _level(db) == level
    assert expected in reply and reply.startswith("Textos de Cuidado:")


def test_the_privacy_words_collide_with_nothing():
    from lupus_sms.checkins.document import checkins
    from lupus_sms.content.schemas import RESERVED_WORDS
    from lupus_sms.conversation.compliance import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS
    from lupus_sms.conversation.language import MENU_WORDS, MORE_WORDS, SWITCH_WORDS
    from lupus_sms.inbound.privacy import PRIVACY_WORDS

    content = get_content()
    taken = set(content.by_word) | set(OPT_OUT_WORDS) | set(OPT_IN_WORDS) | set(HELP_WORDS)
    taken |= set(MENU_WORDS) | set(MORE_WORDS) | set(SWITCH_WORDS)
    for checkin in checkins(content).values():
        taken |= {
            " ".join(words).upper() for option in checkin.options.values() for words in option.words
        }
    assert PRIVACY_WORDS.isdisjoint(taken)
    assert PRIVACY_WORDS <= RESERVED_WORDS  # no topic may take one later
    assert not any(word.isdigit() for word in PRIVACY_WORDS)


def test_a_pending_clinic_learns_nothing_of_a_texted_choice(db, twilio):
    consented = make_clinic(db)
    pending = make_clinic(db, name="Lakeside Clinic", sender="+16175550142")
    make_patient(db, consented)
    make_patient(db, pending, status="pending_consent")
    reply_text(twilio.sms("DETAILS"))
    assert {event.clinic_id for event in _events(db)} == {consented.id}


def _collection_reminder(db, tick, clinic, *, level="discreet", language="en"):
    patient = make_patient(db, clinic, name="Ada Lovelace")
    patient.phone_number.privacy_level = level
    patient.phone_number.language = language
    at = NOW + timedelta(days=10)
    add_anchor(db, patient, kind="collection", at=at, now=NOW)
    row = next(r for r in planned(db, patient) if r.step_key == "ahsct_collection_eve")
    tick(row.due_at + timedelta(minutes=1))
    return patient


def test_full_answers_with_the_detailed_form_of_the_latest_clinic_text(
    db, twilio, tick, fake_transport
):
    clinic = make_clinic(db, display_name="Riverside Health")
    _collection_reminder(db, tick, clinic)
    sent = fake_transport.sent[-1].body
    assert sent.startswith("Riverside Health: Hi Ada, a reminder that your visit is tomorrow")
    assert words_in(sent, listed_words(get_content())) == []
    full = reply_text(twilio.sms("FULL"))
    assert full.startswith("Riverside Lupus Clinic: Hi Ada, your stem-cell collection is tomorrow")
    assert _level(db) == "discreet"  # reading one text in full changes nothing else


def test_completo_answers_in_spanish(db, twilio, tick, fake_transport):
    clinic = make_clinic(db, display_name="Riverside Health")
    _collection_reminder(db, tick, clinic, language="es")
    assert "mañana" in fake_transport.sent[-1].body
    full = reply_text(twilio.sms("COMPLETO"))
    assert "celulas madre" in full and full.startswith("Riverside Lupus Clinic: Hola Ada")


def test_full_with_nothing_sent_says_so_without_a_listed_word(db, twilio):
    make_patient(db, make_clinic(db))
    reply = reply_text(twilio.sms("FULL"))
    assert "no recent text" in reply
    assert words_in(reply, listed_words(get_content())) == []


def test_a_red_flag_reply_stays_explicit_for_a_discreet_patient(db, twilio):
    make_patient(db, make_clinic(db, display_name="Riverside Health"))
    discreet = reply_text(twilio.sms("I have a fever of 39"))
    assert _level(db) == "discreet"
    reply_text(twilio.sms("DETAILS"))
    detailed = reply_text(twilio.sms("I have a fever of 39.5"))
    # Only the clinic's name differs: the neutral display name on a discreet number.
    assert discreet == detailed.replace("Riverside Lupus Clinic", "Riverside Health")
    assert discreet.startswith("URGENT: Please call your care team now") and "911" in discreet
    assert "(617) 555-0199" in discreet and "Lupus" not in discreet


@pytest.mark.parametrize(
    "text",
    ["please make my texts private", "quiero mi cita", "I have a fever of 39.5",
     "me quiero morir", "my back hurts"],
)  # fmt: skip
def test_safety_and_safety_net_replies_name_a_discreet_patients_clinic_neutrally(db, twilio, text):
    make_patient(db, make_clinic(db, display_name="Riverside Health"))
    reply = reply_text(twilio.sms(text))
    assert "Riverside Health" in reply or "988" in reply
    assert words_in(reply, listed_words(get_content())) == []


def test_without_a_display_name_a_discreet_safety_net_says_your_care_team(db, twilio):
    make_patient(db, make_clinic(db, name="Hope Stem Cell Transplant Ctr"))
    reply = reply_text(twilio.sms("quiero mi cita"))
    assert "Stem Cell" not in reply and "(617) 555-0199" in reply
    assert reply.startswith("Gracias, su equipo de atencion medica ")
    english = reply_text(twilio.sms("can I bring my sister to the visit"))
    assert english.startswith("Thank you, your care team will read this.")
    assert words_in(reply, listed_words(get_content())) == []


def test_an_education_reply_is_unaffected(db, twilio):
    make_patient(db, make_clinic(db))
    assert "lupus" in reply_text(twilio.sms("LUPUS")).lower()


def test_stop_and_start_are_confirmed_in_the_discreet_form(db, twilio, monkeypatch):
    make_patient(db, make_clinic(db))
    reply = reply_text(twilio.sms("PARAR"))
    assert reply.startswith("Textos de Cuidado:") and "COMENZAR" in reply


# --- recorded in person, through the API -----------------------------------------------


@pytest.fixture
def api(client, db):
    clinic = make_clinic(db)
    client.headers.update(auth_headers(db, clinic))
    client.clinic = clinic
    return client


def test_a_consented_clinic_records_a_choice_made_in_person(db, api):
    patient = make_patient(db, api.clinic)
    assert api.get(f"/api/v1/patients/{patient.id}").json()["privacy_level"] == "discreet"
    response = api.post(
        f"/api/v1/patients/{patient.id}/privacy", json={"level": "detailed", "note": "at desk"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["privacy_level"] == "detailed"
    assert _level(db) == "detailed"
    events = api.get(f"/api/v1/patients/{patient.id}/consent-events").json()["items"]
    assert [(e["kind"], e["source"], e["note"]) for e in events if e["kind"] == "privacy"] == [
        ("privacy", "api", "detailed: at desk")
    ]


def test_a_clinic_the_number_has_not_consented_to_is_refused(db, api):
    patient = make_patient(db, api.clinic, status="pending_consent")
    response = api.post(f"/api/v1/patients/{patient.id}/privacy", json={"level": "detailed"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert _level(db) == "discreet" and _events(db) == []
    assert api.get(f"/api/v1/patients/{patient.id}").json()["privacy_level"] is None


def test_another_clinics_patient_is_not_found(db, api):
    other = make_clinic(db, name="Lakeside Clinic")
    patient = make_patient(db, other)
    response = api.post(f"/api/v1/patients/{patient.id}/privacy", json={"level": "detailed"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_level_is_a_422(db, api):
    patient = make_patient(db, api.clinic)
    response = api.post(f"/api/v1/patients/{patient.id}/privacy", json={"level": "loud"})
    assert response.status_code == 422


def test_the_endpoint_is_in_the_openapi_schema(api):
    schema = api.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/patients/{patient_id}/privacy"]["post"]
    assert {"200", "404", "409", "422"} <= set(operation["responses"])


def test_full_during_an_open_check_in_reads_it_and_is_no_answer(db, twilio, tick, fake_transport):
    clinic = make_clinic(db, display_name="Riverside Health")
    patient = make_patient(db, clinic, name="Ada Lovelace")
    add_anchor(db, patient, kind="infusion", at=NOW + timedelta(days=2), now=NOW)
    row = next(r for r in planned(db, patient) if r.step_key == "ahsct_day3_temperature")
    tick(row.due_at + timedelta(minutes=1))
    assert fake_transport.sent[-1].body.startswith("Riverside Health: Hi Ada, please take")
    full = reply_text(twilio.sms("FULL"))
    assert full.startswith("Riverside Lupus Clinic: Hi Ada, please take your temperature")
    assert "37.1" in reply_text(twilio.sms("37.1"))  # the check-in still takes the answer


@pytest.mark.parametrize(
    ("typed", "level"),
    [("DETAIL", "detailed"), ("detales", "detailed"), ("Detials", "detailed")],
)
def test_a_one_letter_typo_of_a_privacy_word_is_read_as_it(db, twilio, typed, level):
    make_patient(db, make_clinic(db))
    reply_text(twilio.sms(typed))
    assert _level(db) == level
    reply_text(twilio.sms("PRIVTE"))
    assert _level(db) == "discreet"


def test_fell_is_not_read_as_full(db, twilio):
    make_patient(db, make_clinic(db))
    reply = reply_text(twilio.sms("fell"))
    assert "no recent text" not in reply
