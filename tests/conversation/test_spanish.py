"""Spanish: every Spanish word routes, the number's language, and a whole Spanish journey."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.content.service import get_content
from lupus_sms.conversation.compliance import SPANISH_OPT_OUT_WORDS
from lupus_sms.enrollment.models import ConsentEvent
from lupus_sms.messaging.models import Message, PhoneNumber
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text
from tests.scheduling.support import fake_transport, session_factory, tick, utc  # noqa: F401

PHONE = "+12025550123"


def _language(db, phone: str = PHONE) -> str:
    db.expire_all()
    return db.scalar(select(PhoneNumber.language).where(PhoneNumber.e164 == phone))


def _reply(twilio, body: str, phone: str = PHONE) -> str:
    return reply_text(twilio.sms(body, from_=phone))


@pytest.fixture
def api(client, db):
    clinic = make_clinic(db, name="Riverside Health Clinic")
    client.headers.update(auth_headers(db, clinic))
    client.clinic = clinic
    return client


def _spanish_words() -> list[tuple[str, str]]:
    """(word, topic key) for every Spanish keyword and alias."""
    spanish = get_content().for_language("es")
    return [
        (word, topic.key)
        for topic in spanish.translations["es"].topics.values()
        for word in (topic.keyword, *topic.aliases)
    ]


@pytest.mark.parametrize(("word", "key"), _spanish_words())
def test_every_spanish_keyword_and_alias_routes_to_its_topic(twilio, word, key):
    _reply(twilio, "ESPANOL")
    reply = _reply(twilio, word.lower())
    spanish = get_content().for_language("es")
    assert reply == spanish.topic_part(spanish.by_key[key], 0)


@pytest.mark.parametrize("word", ["RIESGOS", "riesgos", "Riesgos?"])
def test_a_spanish_first_keyword_makes_the_number_spanish(twilio, db, word):
    _reply(twilio, word)
    assert _language(db) == "es"
    assert "Responda MAS" in _reply(twilio, "RIESGOS")
    assert "Temas de" in _reply(twilio, "menu")


def test_an_english_first_keyword_keeps_english_and_a_later_spanish_word_does_not_switch(
    twilio, db
):
    _reply(twilio, "RISKS")
    assert _language(db) == "en"
    # A Spanish keyword still routes, answered in the number's language.
    reply = _reply(twilio, "RIESGOS")
    assert "Reply MORE" in reply
    assert _language(db) == "en"


@pytest.mark.parametrize("word", ["ESPANOL", "español", "Español!"])
def test_espanol_switches_and_confirms_in_spanish_english_switches_back(twilio, db, word):
    _reply(twilio, "RISKS")
    assert "español" in _reply(twilio, word)
    assert _language(db) == "es"
    assert "Responda MAS" in _reply(twilio, "1")  # menu numbers in the number's language
    more = _reply(twilio, "más")
    assert "(2/" in more
    assert "English" in _reply(twilio, "ENGLISH")
    assert _language(db) == "en"
    assert "Reply MORE" in _reply(twilio, "1")


def test_menu_and_more_in_spanish(twilio, db):
    _reply(twilio, "ESPANOL")
    menu = _reply(twilio, "MENÚ")
    assert "Temas de" in menu and "(1/3) Responda MAS" in menu
    assert "RIESGOS" in _reply(twilio, "MÁS")
    assert "(1/2) Responda MAS" in _reply(twilio, "PREGUNTAS")
    assert "Pregunte a su equipo" in _reply(twilio, "MAS")
    assert "Eso es todo sobre" in _reply(twilio, "MÁS")  # past the last part


@pytest.mark.parametrize("word", sorted(SPANISH_OPT_OUT_WORDS))
def test_spanish_opt_out_words_stop_like_stop_and_confirm_in_spanish(twilio, db, word):
    _reply(twilio, "MENU")
    reply = _reply(twilio, word.lower())
    assert "Su suscripcion fue cancelada" in reply
    db.expire_all()
    number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PHONE))
    assert number.opted_out
    assert _reply(twilio, "RIESGOS") == ""  # nothing more until the number opts back in


def test_spanish_opt_out_flagged_by_twilio_is_confirmed_by_twilio(twilio, db):
    response = twilio.sms("PARAR", from_=PHONE, OptOutType="STOP")
    assert reply_text(response) == ""
    db.expire_all()
    assert db.scalar(select(PhoneNumber.opted_out).where(PhoneNumber.e164 == PHONE))


def test_ayuda_is_help_in_spanish_and_comenzar_opts_back_in(twilio, db):
    assert "Pueden aplicar tarifas" in _reply(twilio, "Ayuda")
    _reply(twilio, "PARAR")
    _reply(twilio, "COMENZAR")
    db.expire_all()
    assert not db.scalar(select(PhoneNumber.opted_out).where(PhoneNumber.e164 == PHONE))


def test_enrolment_language_becomes_the_numbers_at_the_yes_and_the_api_shows_it(api, db, twilio):
    body = {"phone": PHONE, "consent_source": "in_person", "program": "msc", "language": "es"}
    patient = api.post("/api/v1/patients", json=body).json()
    assert patient["language"] == "es"
    assert _language(db) == ""  # not the number's until the patient accepts the clinic
    assert "Ya forma parte" in _reply(twilio, "YES")  # answered in the enrolment's language
    assert _language(db) == "es"
    changed = api.patch(f"/api/v1/patients/{patient['id']}", json={"language": "en"}).json()
    assert changed["language"] == "en" and _language(db) == "en"


def test_the_patients_own_switch_wins_over_a_later_enrolment_at_the_yes(api, twilio, db):
    _reply(twilio, "ESPANOL")
    body = {"phone": PHONE, "consent_source": "in_person", "program": "msc", "language": "en"}
    patient = api.post("/api/v1/patients", json=body).json()
    # Until the YES the clinic knows only its own enrolment: its invitation, in its language.
    assert patient["language"] == "en"
    invitation = db.scalar(select(Message).where(Message.kind == "consent_invitation"))
    assert "Reply YES" in invitation.body
    switch = db.scalar(select(ConsentEvent).where(ConsentEvent.kind == "language"))
    assert (switch.source, switch.note) == ("sms_keyword", "es")
    assert "Ya forma parte" in _reply(twilio, "YES")
    assert api.get(f"/api/v1/patients/{patient['id']}").json()["language"] == "es"


def test_a_pending_enrolment_without_a_language_shows_its_own_not_the_first_keywords(
    api, twilio, db
):
    _reply(twilio, "PREGUNTAS")
    body = {"phone": PHONE, "consent_source": "in_person", "program": "msc"}
    assert api.post("/api/v1/patients", json=body).json()["language"] == "en"


def test_the_whole_journey_in_spanish(api, twilio, db, clock, tick, fake_transport):  # noqa: F811
    body = {
        "phone": PHONE,
        "consent_source": "in_person",
        "program": "ahsct",
        "name": "Maria Lopez",
        "language": "es",
        "procedure_date": "2026-03-20",
    }
    patient = api.post("/api/v1/patients", json=body).json()
    messages = api.get(f"/api/v1/patients/{patient['id']}/messages").json()["items"]
    [invitation] = [m["body"] for m in messages if m["direction"] == "outbound"]
    assert "Le invitamos" in invitation and "Responda SI" in invitation

    confirmation = _reply(twilio, "Sí")
    assert "Ya forma parte" in confirmation and api.clinic.name in confirmation

    # Day 1 after the infusion (2026-03-20), 10:00 in New York: the reminder.
    tick(utc(2026, 3, 21, 14, 0))
    reminder = fake_transport.sent[-1].body
    # Discreet by default: the 24/7 advice kept (tests/privacy has the rest).
    assert reminder.startswith(f"{api.clinic.name}: Hola Maria.") and "38.0 C" in reminder
    assert "equipo de atencion medica" in reminder

    # Day 3, 09:00: the temperature check-in, answered; then a red flag in Spanish.
    tick(utc(2026, 3, 23, 13, 0))
    question = fake_transport.sent[-1].body
    assert "tome su temperatura" in question
    clock.at = utc(2026, 3, 23, 14, 0)
    assert "Gracias, anotamos" in _reply(twilio, "37,1")
    safety = _reply(twilio, "tengo escalofríos y me falta el aire")
    assert safety.startswith("URGENTE") and "(617) 555-0199" in safety
    db.expire_all()
    [alert] = db.scalars(select(Alert).where(Alert.kind == "red_flag")).all()
    assert set(alert.categories.split(",")) == {"fever", "breathing"}
    assert alert.patient_id == patient["id"]


def test_an_unanswerable_text_from_a_spanish_patient_goes_to_the_clinic_in_spanish(api, twilio):
    body = {"phone": PHONE, "consent_source": "in_person", "program": "msc", "language": "es"}
    api.post("/api/v1/patients", json=body)
    assert "Ya forma parte" in _reply(twilio, "SI")
    reply = _reply(twilio, "cuando es mi proxima visita")
    assert "leera su mensaje" in reply and "(617) 555-0199" in reply
    assert "Emergencia: 911" in reply and "988" in reply


def test_at_the_yes_the_enrolments_language_outranks_the_first_keywords(api, twilio, db):
    _reply(twilio, "RIESGOS")
    assert _language(db) == "es"
    body = {"phone": PHONE, "consent_source": "in_person", "program": "msc", "language": "en"}
    api.post("/api/v1/patients", json=body)
    assert _language(db) == "es"  # a clinic the number has not accepted records nothing
    _reply(twilio, "YES")
    assert _language(db) == "en"
