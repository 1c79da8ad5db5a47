"""The patient page's conversation: the compose box, staff texts through the outbox with
their author, who may be written to, two people answering at once, and answering an item
of the inbox. Everything through HTTP, as a clinic user's browser does it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.audit.models import AuditEntry
from lupus_sms.messaging.models import Message
from lupus_sms.threads.models import Thread
from tests.factories import make_clinic, make_patient

CLINIC_NUMBER = "+16175550142"
PATIENT_PHONE = "+12025550123"
QUEUED_NOW = "Queued: it goes out now."


@pytest.fixture
def clinic(db):
    return make_clinic(db, sender=CLINIC_NUMBER)


@pytest.fixture
def patient(db, clinic):
    patient = make_patient(db, clinic, phone=PATIENT_PHONE, name="Ana Lopez")
    db.commit()
    return patient


@pytest.fixture
def nurse(portal_client, clinic):
    return portal_client(clinic, "nurse")


@pytest.fixture
def coordinator(portal_client, clinic):
    return portal_client(clinic, "coordinator")


def _page(patient, query: str = "") -> str:
    return f"/portal/patients/{patient.id}{query}"


def _seen_version(page) -> int:
    return int(re.search(r'name="seen_version" value="(\d+)"', page.text)[1])


def _send(browser, patient, body: str = "", *, query: str = "", **fields):
    """Open the patient page as the browser would, then send from its compose box."""
    page = browser.get(_page(patient, query))
    assert page.status_code == 200, page.text[:500]
    form = {"body": body, "seen_version": _seen_version(page), **fields}
    return browser.post(f"/portal/patients/{patient.id}/messages", form, page=_page(patient))


def _staff_messages(db, patient) -> list[Message]:
    db.expire_all()
    return list(
        db.scalars(
            select(Message)
            .where(Message.patient_id == patient.id, Message.author.is_not(None))
            .order_by(Message.id)
        )
    )


def _entries(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_coordinator_answers_from_the_patient_page(coordinator, db, patient):
    page = coordinator.get(_page(patient))
    assert 'id="compose-form"' in page.text and _seen_version(page) == 0
    assert "No conversation yet" in page.text
    assert 'id="compose-urgent"' not in page.text  # a coordinator may not mark urgent
    assert "Insurance questions" in page.text and "Hi Ana, coverage depends" in page.text

    sent = _send(coordinator, patient, "Hi Ana, the nurse will call you at 3 pm.")

    [message] = _staff_messages(db, patient)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{_page(patient)}?sent={message.id}#conversation"
    assert (message.author, message.author_user_id) == (
        coordinator.user.email, coordinator.user.id,
    )  # fmt: skip
    assert (message.status, message.kind, message.phone) == ("queued", "staff", PATIENT_PHONE)
    # The first text of a conversation says a person is answering (discreetly: the patient
    # did not choose detailed texts).
    assert message.body.startswith("Your care team: this is a person from the clinic")
    assert message.body.endswith("\n\nHi Ana, the nurse will call you at 3 pm.")
    after = coordinator.get(sent.headers["location"])
    assert QUEUED_NOW in after.text
    assert f"{coordinator.user.email} wrote" in after.text  # the timeline names the author
    assert 'class="event event-staff' in after.text
    assert f"assigned to {coordinator.user.email}" in after.text
    assert _seen_version(after) == 1


def test_each_staff_message_is_in_the_audit_log_with_who_wrote_it(nurse, db, patient):
    _send(nurse, patient, "We got your message.")
    [message] = _staff_messages(db, patient)
    [entry] = _entries(db, "portal.thread.message")
    assert (entry.actor, entry.user_id, entry.target) == (
        nurse.user.email, nurse.user.id, f"patient:{patient.id}",
    )  # fmt: skip
    assert (
        entry.detail
        == f"clinic:{patient.clinic_id} message:{message.id} staff assigned to the writer"
    )


LATE_EVENING = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)  # 22:00 in New York


def test_outside_the_send_window_the_text_waits_and_the_page_says_until_when(
    portal_client, clinic, db, patient, clock
):
    clock.at = LATE_EVENING
    coordinator = portal_client(clinic, "coordinator")

    sent = _send(coordinator, patient, "Your results are in; call us tomorrow.")

    after = html.unescape(coordinator.get(sent.headers["location"]).text)
    waits = "waits for the patient's send window, at Wed 11 Mar 2026, 08:00 EDT their time"
    assert waits in after
    assert "goes out Wed 11 Mar 2026, 08:00 EDT" in after  # the timeline's detail


def test_a_coordinator_may_not_mark_a_text_urgent(coordinator, db, patient):
    refused = _send(coordinator, patient, "Call us now", urgent="true")

    assert refused.status_code == 403
    assert "Only a nurse or a clinic admin may mark a message urgent." in refused.text
    assert _staff_messages(db, patient) == []


def test_a_nurse_marks_a_text_urgent_and_the_audit_log_records_it(
    portal_client, clinic, db, patient, clock
):
    clock.at = LATE_EVENING
    nurse = portal_client(clinic, "nurse")
    page = nurse.get(_page(patient))
    assert 'id="compose-urgent"' in page.text
    assert "sends now even outside the send window" in page.text

    sent = _send(nurse, patient, "Your lab called: please call us tonight.", urgent="true")

    [message] = _staff_messages(db, patient)
    assert message.kind == "urgent_staff" and message.next_attempt_at == clock.now()
    [entry] = _entries(db, "portal.thread.message")
    assert entry.actor == nurse.user.email and "urgent_staff" in entry.detail
    assert "Queued as urgent" in nurse.get(sent.headers["location"]).text
    assert "(urgent)" in nurse.get(_page(patient)).text


def test_a_quick_reply_is_sent_when_the_box_is_left_empty(coordinator, db, patient):
    sent = _send(coordinator, patient, "", template="insurance")

    assert sent.status_code == 303
    [message] = _staff_messages(db, patient)
    assert "Hi Ana, coverage depends on your plan" in message.body
    assert "(617) 555-0100" in message.body  # the clinic's office phone, filled in


def test_what_was_written_wins_over_the_quick_reply_and_an_unknown_one_is_refused(
    coordinator, db, patient
):
    _send(coordinator, patient, "My own words", template="insurance")
    [message] = _staff_messages(db, patient)
    assert message.body.endswith("My own words") and "coverage" not in message.body

    unknown = _send(coordinator, patient, "", template="no-such-reply")
    assert unknown.status_code == 422 and "Choose a quick reply from the list." in unknown.text
    empty = _send(coordinator, patient, "  ")
    assert empty.status_code == 422 and "Write a message first." in empty.text
    assert len(_staff_messages(db, patient)) == 1


def test_a_patient_who_texted_stop_cannot_be_written_to(coordinator, db, patient, twilio):
    twilio.sms("STOP", from_=PATIENT_PHONE, to=CLINIC_NUMBER)

    page = coordinator.get(_page(patient))
    assert 'id="compose-refusal"' in page.text and "texted STOP" in page.text
    assert '<fieldset class="compose-fields" disabled>' in page.text
    refused = coordinator.post(
        f"/portal/patients/{patient.id}/messages",
        {"body": "Are you there?", "seen_version": "0"},
        page=_page(patient),
    )
    assert refused.status_code == 409
    assert "This patient texted STOP: nothing may be sent until they text START." in refused.text
    assert f'href="{_page(patient)}#conversation"' in refused.text
    assert _staff_messages(db, patient) == []


def test_a_patient_who_has_not_said_yes_cannot_be_written_to(coordinator, db, clinic):
    pending = make_patient(db, clinic, phone="+12025550124", status="pending_consent")
    db.commit()

    page = coordinator.get(_page(pending))
    assert "has not said YES to texts from this clinic yet" in page.text
    refused = _send(coordinator, pending, "Hello")
    assert refused.status_code == 409 and "has not said YES" in refused.text
    assert _staff_messages(db, pending) == []


def test_another_clinics_patient_is_answered_like_a_missing_one(coordinator, db, patient):
    elsewhere = make_clinic(db, name="Lakeside Clinic", sender="+16175550143")
    theirs = make_patient(db, elsewhere, phone="+12025550125", name="Zed Other")
    db.commit()
    answers = []
    for patient_id in (theirs.id, 999_999):
        seen = coordinator.get(f"/portal/patients/{patient_id}")
        sent = coordinator.post(
            f"/portal/patients/{patient_id}/messages",
            {"body": "Hello", "seen_version": "0"},
            page=_page(patient),
        )
        answers.append((seen.status_code, sent.status_code, "No such patient" in sent.text))
    assert answers == [(404, 404, True), (404, 404, True)]
    assert _staff_messages(db, theirs) == []


def test_two_nurses_answering_at_once_send_one_text(portal_client, clinic, db, patient):
    first, second = portal_client(clinic, "nurse"), portal_client(clinic, "nurse")
    seen = {browser: _seen_version(browser.get(_page(patient))) for browser in (first, second)}
    path = f"/portal/patients/{patient.id}/messages"

    won = first.post(path, {"body": "We will call you.", "seen_version": seen[first]},
                     page=_page(patient))  # fmt: skip
    lost = second.post(path, {"body": "Call us back.", "seen_version": seen[second]},
                       page=_page(patient))  # fmt: skip

    assert won.status_code == 303 and lost.status_code == 409
    assert f"{first.user.email} answered this patient while you were writing" in lost.text
    assert '<textarea id="draft" readonly rows="4">Call us back.</textarea>' in lost.text
    assert f'href="{_page(patient)}#conversation"' in lost.text  # where their answer shows
    [message] = _staff_messages(db, patient)
    assert message.body.endswith("We will call you.")
    assert "We will call you." in second.get(_page(patient)).text


def test_answering_a_review_item_acknowledges_it(nurse, db, patient, twilio):
    twilio.sms("is the treatment covered by insurance?", from_=PATIENT_PHONE, to=CLINIC_NUMBER)
    review = db.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert (review.kind, review.status) == ("needs_review", "open")

    page = nurse.get(_page(patient, f"?alert={review.id}"))
    assert "Answering the review item" in page.text
    assert "is the treatment covered by insurance?" in page.text
    assert f'name="alert_id" value="{review.id}"' in page.text
    sent = _send(nurse, patient, "Our counselor will call you.", query=f"?alert={review.id}",
                 alert_id=review.id)  # fmt: skip

    assert sent.status_code == 303
    db.expire_all()
    assert (review.status, review.acknowledged_by) == ("acknowledged", nurse.user.email)
    [message] = _staff_messages(db, patient)
    assert message.kind == "staff_reply"  # it answers a text the patient just sent
    [entry] = _entries(db, "portal.thread.message")
    assert entry.detail == (
        f"clinic:{patient.clinic_id} message:{message.id} staff_reply closed alert:{review.id} "
        "assigned to the writer"
    )
    assert QUEUED_NOW in nurse.get(sent.headers["location"]).text


def test_answering_a_red_flag_leaves_it_open_for_the_inbox(nurse, db, patient, twilio):
    twilio.sms("I have a fever of 39.2 and chills", from_=PATIENT_PHONE, to=CLINIC_NUMBER)
    red_flag = db.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert red_flag.kind == "red_flag"
    query = f"?alert={red_flag.id}"
    page = nurse.get(_page(patient, query))
    assert "Answering the red flag" in page.text and "A red flag stays open" in page.text

    sent = _send(nurse, patient, "Please go to the ER now.", query=query, alert_id=red_flag.id)

    assert sent.status_code == 303
    db.expire_all()
    assert red_flag.status == "open"


def test_an_unknown_or_another_clinics_alert_is_a_404(coordinator, db, patient):
    elsewhere = make_clinic(db, name="Lakeside Clinic", sender="+16175550143")
    theirs = make_patient(db, elsewhere, phone="+12025550125")
    other = Alert(clinic_id=elsewhere.id, patient_id=theirs.id, kind="needs_review",
                  priority="low", status="open", text="where is the clinic?")  # fmt: skip
    db.add(other)
    db.commit()
    for alert in (str(other.id), "999999", "abc"):
        page = coordinator.get(_page(patient, f"?alert={alert}"))
        assert page.status_code == 404 and "No such alert for this patient." in page.text
    sent = _send(coordinator, patient, "Hello", alert_id=other.id)
    assert sent.status_code == 404 and _staff_messages(db, patient) == []


def test_the_patients_answer_comes_into_the_conversation_and_the_page_reads_it(
    nurse, db, patient, twilio, clock
):
    _send(nurse, patient, "How are you feeling today?")
    clock.advance(minutes=20)
    twilio.sms("Better, thanks", from_=PATIENT_PHONE, to=CLINIC_NUMBER)
    thread = db.scalar(select(Thread).where(Thread.patient_id == patient.id))
    assert thread.unread == 1

    page = nurse.get(_page(patient))

    assert 'id="thread-unread">1 unread' in page.text and "Better, thanks" in page.text
    assert "The patient's texts come here until" in page.text
    db.expire_all()
    assert thread.unread == 0
    assert 'id="thread-unread"' not in nurse.get(_page(patient)).text


def test_a_service_admin_looking_in_leaves_the_texts_unread(nurse, db, patient, twilio,
                                                             admin_browser):  # fmt: skip
    _send(nurse, patient, "How are you feeling today?")
    twilio.sms("Better, thanks", from_=PATIENT_PHONE, to=CLINIC_NUMBER)
    owner = admin_browser()
    owner.post(f"/admin/clinics/{patient.clinic_id}/portal", page="/admin/clinics")

    assert "1 unread" in owner.get(_page(patient)).text

    db.expire_all()
    assert db.scalar(select(Thread.unread).where(Thread.patient_id == patient.id)) == 1
    assert len(_entries(db, "portal.patient.view")) == 1
