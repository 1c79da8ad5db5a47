"""Inside a conversation the patient's texts go to the care team, not to the keyword bot:
only compliance words and red flags are still intercepted (threads/inbound.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.core.errors import ConflictError
from lupus_sms.messaging.models import Message
from lupus_sms.threads.models import Thread
from tests.helpers import reply_text
from tests.threads.conftest import CLINIC_NUMBER, PATIENT_PHONE


def text(twilio, body: str):
    return reply_text(twilio.sms(body, from_=PATIENT_PHONE, to=CLINIC_NUMBER))


def thread_of(db, patient) -> Thread:
    db.expire_all()
    return db.scalar(select(Thread).where(Thread.patient_id == patient.id))


def outbound_after(db, message_id: int) -> list[Message]:
    return list(
        db.scalars(select(Message).where(Message.direction == "outbound", Message.id > message_id))
    )


@pytest.mark.parametrize("body", ["2", "YES", "AHSCT", "risks", "MENU", "si", "1 or 2?"])
def test_numbers_yes_and_keywords_are_words_to_the_nurse(db, twilio, patient, write, body):
    sent = write("Do you want to come in on Tuesday or Thursday? Reply 1 or 2.", to=patient)

    assert text(twilio, body) == ""

    thread = thread_of(db, patient)
    assert thread.unread == 1 and thread.waiting_since is not None
    assert outbound_after(db, sent.id) == []  # no bot reply, no safety-net boilerplate
    stored = db.scalar(select(Message).where(Message.direction == "inbound"))
    assert stored.body == body and stored.patient_id == patient.id


def test_without_a_staff_message_keywords_still_reach_the_bot(db, twilio, patient):
    assert "(1/" in text(twilio, "AHSCT")
    assert thread_of(db, patient) is None


def test_a_question_to_the_clinic_gets_the_safety_net_outside_a_thread_only(
    db, twilio, patient, write
):
    outside = text(twilio, "is the treatment covered by insurance?")
    assert "911" in outside  # the review item's safety net
    write("Hi Ana, our counselor will call you about coverage.", to=patient)

    assert text(twilio, "thanks! and can I drive after the transplant?") == ""
    assert thread_of(db, patient).unread == 1


def test_stop_in_the_middle_of_a_conversation_opts_out_and_ends_staff_texts(
    db, twilio, patient, write
):
    write("How are you feeling today?", to=patient)

    assert text(twilio, "STOP") == ""  # Twilio confirms its own word (no second text)

    db.expire_all()
    assert patient.phone_number.opted_out
    with pytest.raises(ConflictError, match="STOP"):
        write("Are you still there?", to=patient)


def test_help_inside_a_conversation_gets_the_help_text(twilio, patient, write):
    write("How are you feeling today?", to=patient)
    assert "911" in text(twilio, "HELP")


def test_a_red_flag_inside_a_conversation_alerts_at_once_and_stays_in_the_thread(
    db, twilio, patient, write
):
    write("How are you feeling today?", to=patient)

    answer = text(twilio, "not great, i have chest pain and cant breathe")

    assert "911" in answer
    alert = db.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert alert.kind == "red_flag" and alert.severity == "critical"
    assert thread_of(db, patient).unread == 1


def test_a_red_flag_about_someone_else_in_spanish_inside_a_thread_still_alerts(
    db, twilio, patient, write
):
    write("How is your recovery going?", to=patient)
    text(twilio, "mi esposa tiene fiebre de 39.5 desde anoche")
    assert db.scalar(select(Alert.kind).where(Alert.patient_id == patient.id)) == "red_flag"


def test_the_conversation_lapses_after_the_clinics_hours(db, twilio, patient, write, clock, clinic):
    clinic.conversation_hours = 24
    write("How are you feeling today?", to=patient)
    clock.advance(hours=23)
    assert text(twilio, "AHSCT") == ""  # still the conversation's
    clock.advance(hours=2)

    assert "(1/" in text(twilio, "AHSCT")


def test_a_new_patient_text_reopens_a_closed_conversation(
    db, twilio, patient, write, clinic, clock
):
    from lupus_sms.threads import service as threads

    write("Glad you are better. Text us any time.", to=patient)
    thread = thread_of(db, patient)
    threads.close(db, clinic_id=clinic.id, thread_id=thread.id, by="nurse", now=clock.now())
    assert thread_of(db, patient).status == "done"

    text(twilio, "one more question")

    reopened = thread_of(db, patient)
    assert reopened.status == "open" and reopened.unread == 1


def test_start_when_subscribed_is_not_a_question_for_the_nurse(db, twilio, patient, write):
    write("How are you feeling today?", to=patient)
    text(twilio, "START")
    assert thread_of(db, patient).unread == 0


def test_start_after_stop_inside_a_thread_gets_its_confirmation(db, twilio, patient, write):
    write("How are you feeling today?", to=patient)
    text(twilio, "PARAR")

    assert text(twilio, "COMENZAR") != ""  # the opt-in confirmation: Twilio did not take it


def test_a_number_enrolled_elsewhere_is_not_routed_to_this_clinics_thread(
    db, twilio, patient, write
):
    """Texts to the clinic's own number belong to that clinic's patient only."""
    write("How are you feeling today?", to=patient)
    other = reply_text(twilio.sms("AHSCT", from_="+12025550188", to=CLINIC_NUMBER))
    assert other != ""
    assert thread_of(db, patient).unread == 0


def test_on_the_shared_sender_a_text_goes_to_the_conversation_of_the_clinic_texting_from_it(
    db, twilio, clinic, patient, settings, clock
):
    """The number is also enrolled with a clinic that has its own number; the text to the
    shared number answers the clinic that wrote from it, and a text to the other clinic's
    own number does not."""
    from lupus_sms.audit.service import Actor
    from lupus_sms.threads import service as threads
    from tests.factories import make_clinic, make_patient

    on_shared = make_clinic(db, name="Oak Clinic")
    there = make_patient(db, on_shared, phone=PATIENT_PHONE)
    db.commit()
    threads.send_staff_message(
        db, clinic=on_shared, patient_id=there.id, body="Hello from Oak.",
        author=threads.StaffAuthor(Actor("nurse"), True), now=clock.now(), settings=settings,
    )  # fmt: skip

    assert (
        reply_text(
            twilio.sms("thursday works", from_=PATIENT_PHONE, to=settings.twilio_from_number)
        )
        == ""
    )
    assert "(1/" in text(twilio, "AHSCT")  # to the first clinic's own number: its bot

    assert thread_of(db, there).unread == 1
    stored = db.scalar(select(Message).where(Message.body == "thursday works"))
    assert (stored.patient_id, stored.clinic_id) == (there.id, on_shared.id)


@pytest.mark.parametrize(("word", "level"), [("DETAILS", "detailed"), ("privado", "discreet")])
def test_the_privacy_words_are_answered_inside_a_conversation(db, twilio, patient, write, word,
                                                             level):  # fmt: skip
    patient.phone_number.privacy_level = "detailed" if level == "discreet" else "discreet"
    db.commit()
    write("How are you feeling today?", to=patient)

    assert text(twilio, word) != ""

    db.expire_all()
    assert patient.phone_number.privacy_level == level
    assert thread_of(db, patient).unread == 0
