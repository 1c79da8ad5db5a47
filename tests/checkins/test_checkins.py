"""Replies to check-ins: options, words, temperatures, one re-ask, needs-review, the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.checkins.document import checkin_question
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.content.service import get_content
from tests.alerts.conftest import PATIENT_PHONE, send_checkin
from tests.helpers import reply_text

FORBIDDEN_REASSURANCE = ("you are fine", "you're fine", "nothing to worry", "medication", "dose")


def _alerts(db) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).order_by(Alert.id)))


def _answers(db) -> list[CheckinAnswer]:
    db.expire_all()
    return list(db.scalars(select(CheckinAnswer).order_by(CheckinAnswer.id)))


def _reply(twilio, body: str) -> str:
    return reply_text(twilio.sms(body, from_=PATIENT_PHONE))


def test_two_in_answer_to_the_symptom_checkin_is_a_fever_alert(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=2))
    reply = _reply(twilio, "2")
    assert "URGENT" in reply and "(617) 555-0199" in reply
    [alert] = _alerts(db)
    assert (alert.kind, alert.categories, alert.checkin_key) == ("red_flag", "fever", "symptoms")
    [answer] = _answers(db)
    assert (answer.option, answer.meaning, answer.red_flag) == ("2", "fever", True)


@pytest.mark.parametrize("body", ["1", "ok", "Feeling OK", "1 feeling ok", "#1", "one", "Uno"])
def test_feeling_ok_is_acknowledged_and_points_to_the_care_team(twilio, db, patient, clock, body):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    reply = _reply(twilio, body)
    assert "care team" in reply and "(617) 555-0199" in reply
    assert not any(phrase in reply.lower() for phrase in FORBIDDEN_REASSURANCE)
    assert _alerts(db) == []
    [answer] = _answers(db)
    assert (answer.option, answer.meaning, answer.status) == ("1", "ok", "answered")


@pytest.mark.parametrize("body", ["two", "2!", "dos"])
def test_spelled_out_numbers_mean_their_option(twilio, db, patient, clock, body):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    assert "URGENT" in _reply(twilio, body)
    assert _answers(db)[0].option == "2"


def test_a_number_with_a_sentence_is_a_message_for_the_clinic(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    reply = _reply(twilio, "1 but my knee hurts a lot")
    assert "not watched around the clock" in reply
    assert [a.kind for a in _alerts(db)] == ["needs_review"]


def test_an_opt_in_word_during_a_checkin_is_not_reasked(twilio, db, patient, clock, settings):
    settings.reply_to_opt_out_words = True
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    twilio.sms("STOP", from_=PATIENT_PHONE)
    reply = _reply(twilio, "START")
    assert reply and "could not read" not in reply  # compliance / consent answered it
    assert _answers(db) == []


def test_option_words_mean_their_option(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    assert "URGENT" in _reply(twilio, "short of breath")
    assert _alerts(db)[0].categories == "breathing"
    assert _answers(db)[0].option == "4"


def test_other_concern_goes_to_the_clinic_for_review(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    reply = _reply(twilio, "5")
    assert "not watched around the clock" in reply and "(617) 555-0199" in reply
    assert "911" in reply and "988" in reply
    [alert] = _alerts(db)
    assert (alert.kind, alert.priority, alert.status) == ("needs_review", "low", "open")


def test_unclear_answer_is_reasked_once_then_reaches_the_clinic(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    first = _reply(twilio, "7")
    assert "could not read that answer" in first
    second = _reply(twilio, "9")
    assert "could not read" not in second
    assert "not watched around the clock" in second and "988" in second
    assert [a.kind for a in _alerts(db)] == ["needs_review"]
    assert [a.status for a in _answers(db)] == ["unclear", "unclear"]


def test_keywords_still_work_during_a_checkin(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    reply = _reply(twilio, "RISKS")
    assert "could not read" not in reply and "(1/" in reply
    assert _alerts(db) == [] and _answers(db) == []


def test_numbers_are_menu_topics_again_once_the_window_closed(twilio, db, patient, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=25))
    reply = _reply(twilio, "2")
    assert "URGENT" not in reply
    assert _alerts(db) == [] and _answers(db) == []


@pytest.mark.parametrize(
    ("body", "celsius"),
    [("37.2", 37.2), ("99.1F", 37.28), ("temp 98.6", 37.0), ("37,1", 37.1)],
)
def test_normal_temperature_is_noted_without_reassurance(twilio, db, patient, clock, body, celsius):
    send_checkin(db, patient, key="temperature", at=clock.now() - timedelta(hours=3))
    reply = _reply(twilio, body)
    assert "we noted" in reply and "care team" in reply
    assert not any(phrase in reply.lower() for phrase in FORBIDDEN_REASSURANCE)
    assert _answers(db)[0].temperature_c == pytest.approx(celsius, abs=0.01)
    assert _alerts(db) == []


@pytest.mark.parametrize("body", ["38", "fiebre 38,5", "101F", "temp 100.9", "38.0"])
def test_fever_in_answer_to_the_temperature_checkin_alerts(twilio, db, patient, clock, body):
    send_checkin(db, patient, key="temperature", at=clock.now() - timedelta(hours=3))
    assert "URGENT" in _reply(twilio, body)
    assert [a.categories for a in _alerts(db)] == ["fever"]
    assert _answers(db)[0].red_flag is True


def test_free_text_from_an_enrolled_patient_opens_a_review_item(twilio, db, patient):
    reply = _reply(twilio, "can I drive after the transplant? please call me")
    assert "not watched around the clock" in reply and "(617) 555-0199" in reply
    [alert] = _alerts(db)
    assert alert.kind == "needs_review"
    assert alert.text == "can I drive after the transplant? please call me"
    assert alert.expires_at is not None  # routine: no symptom-like words


def test_free_text_from_an_unknown_number_gets_the_hint(twilio, db):
    reply = reply_text(twilio.sms("call me", from_="+12025550166"))
    assert "MENU" in reply
    assert _alerts(db) == []


def test_checkin_answers_are_visible_to_the_clinic(twilio, client, db, patient, clock, headers):
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    _reply(twilio, "1")
    response = client.get(f"/api/v1/patients/{patient.id}/checkin-answers", headers=headers)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert (item["checkin_key"], item["option"], item["meaning"]) == ("symptoms", "1", "ok")


def test_checkin_question_template_is_available_to_the_scheduler():
    question = checkin_question(get_content(), "symptoms")
    assert "{first_name}" in question and "1 feeling OK" in question
    with pytest.raises(KeyError):
        checkin_question(get_content(), "nope")
