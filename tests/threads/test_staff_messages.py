"""Who a staff message may go to, when it goes, and who answered first (threads/service.py),
through the service and the worker's tick."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.audit.models import AuditEntry
from lupus_sms.audit.service import Actor, Trail
from lupus_sms.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationFailed
from lupus_sms.messaging.models import Message
from lupus_sms.threads import service as threads
from tests.factories import make_clinic, make_patient
from tests.helpers import reply_text
from tests.threads.conftest import CLINIC_NUMBER, PATIENT_PHONE

NIGHT = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 in New York
NEXT_MORNING = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 08:00 in New York


def test_the_first_staff_message_says_a_person_answers_and_the_line_is_not_watched(patient, write):
    first = write("We got your question about driving.", to=patient)
    second = write("You should not drive for a few weeks; we will explain.", to=patient)

    assert "person" in first.body and "not watched around the clock" in first.body
    assert first.body.endswith("We got your question about driving.")
    assert second.body == "You should not drive for a few weeks; we will explain."
    assert first.kind == "staff" and first.author == "nurse@example.org"


def test_a_spanish_reader_gets_the_opening_line_in_spanish(db, clinic, write):
    patient = make_patient(db, clinic, phone="+12025550124", language="es", name="Rosa")
    db.commit()
    assert "le responde una persona" in write("Hola Rosa.", to=patient).body


def test_a_new_conversation_after_a_lapse_opens_with_the_line_again(patient, write, clock):
    write("Hello.", to=patient)
    clock.advance(hours=80)
    assert "not watched around the clock" in write("Hello again.", to=patient).body


@pytest.mark.parametrize(
    ("status", "match"),
    [
        ("pending_consent", "not said YES"),
        ("opted_out", "STOP"),
        ("unenrolled", "no longer enrolled"),
        ("undeliverable", "cannot be delivered"),
    ],
)
def test_who_may_not_be_written_to(db, clinic, write, status, match):
    patient = make_patient(db, clinic, phone="+12025550125", status=status)
    db.commit()
    with pytest.raises(ConflictError, match=match):
        write("Hello.", to=patient)
    assert db.scalar(select(Message).where(Message.patient_id == patient.id)) is None


def test_a_number_blocked_by_the_carrier_is_refused(db, patient, write, clock):
    patient.phone_number.carrier_blocked_at = clock.now()
    db.commit()
    with pytest.raises(ConflictError, match="carrier"):
        write("Hello.", to=patient)


def test_another_clinics_patient_is_unknown(db, write):
    other = make_clinic(db, name="Harbor Clinic", sender="+16175550143")
    stranger = make_patient(db, other, phone="+12025550126")
    db.commit()
    with pytest.raises(NotFoundError):
        write("Hello.", to=stranger)


def test_empty_and_overlong_texts_are_refused(patient, write):
    for nothing in ("   ", "\u200b", "\u200b \u2060\n", "\u2800", "\u034f", "\u3164\u115f"):
        with pytest.raises(ValidationFailed, match="Write a message"):
            write(nothing, to=patient)
    with pytest.raises(ValidationFailed, match="too long"):
        write("x" * 1601, to=patient)


def test_on_a_sender_shared_by_several_clinics_staff_messages_are_refused(db, write):
    shared = make_clinic(db, name="Oak Clinic")
    make_clinic(db, name="Elm Clinic")
    patient = make_patient(db, shared, phone="+12025550127")
    db.commit()

    author = threads.StaffAuthor(Actor("nurse"), True)
    with pytest.raises(ConflictError, match="own Twilio number"):
        threads.send_staff_message(
            db, clinic=shared, patient_id=patient.id, body="Hello.", author=author,
            now=datetime(2026, 3, 10, 15, tzinfo=UTC), settings=None,
        )  # fmt: skip


def test_the_only_clinic_on_the_shared_sender_may_converse(db, settings, clock):
    only = make_clinic(db, name="Oak Clinic")
    patient = make_patient(db, only, phone="+12025550128")
    db.commit()
    message = threads.send_staff_message(
        db, clinic=only, patient_id=patient.id, body="Hello.",
        author=threads.StaffAuthor(Actor("nurse"), True), now=clock.now(), settings=settings,
    )  # fmt: skip
    assert message.sender is None  # the service's default sender


def test_two_people_answering_at_once_one_wins_the_other_is_told(db, patient, write):
    write("Hello Ana.", to=patient, seen_version=0)

    with pytest.raises(ConflictError, match=r"nurse@example\.org answered this patient"):
        write("Hi Ana, me too.", to=patient, seen_version=0)

    staff = db.scalars(select(Message).where(Message.author.is_not(None))).all()
    assert [m.body.endswith("Hello Ana.") for m in staff] == [True]
    write("Following up.", to=patient, seen_version=1)  # read the answer, then wrote again


def test_only_a_nurse_or_clinic_admin_may_mark_urgent(patient, write):
    with pytest.raises(PermissionDenied):
        write("Call us now.", to=patient, role="coordinator", urgent=True)


def test_answering_a_review_item_closes_it_and_is_audited(db, twilio, patient, write):
    reply_text(twilio.sms("is this covered by insurance?", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
    item = db.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert item.kind == "needs_review"

    trail = Trail(Actor("nurse@example.org", None), "portal.", "clinic:1")
    write("Our counselor will call you.", to=patient, alert_id=item.id, trail=trail)

    db.expire_all()
    assert item.status == "acknowledged" and item.acknowledged_by == "nurse@example.org"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "portal.thread.message"))
    assert entry.actor == "nurse@example.org" and f"alert:{item.id}" in entry.detail


def test_answering_a_red_flag_leaves_it_open_for_acknowledgement(db, twilio, patient, write):
    reply_text(twilio.sms("fever 39.4 and chills", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
    flag = db.scalar(select(Alert).where(Alert.patient_id == patient.id))
    write("Please call us now at the 24/7 line.", to=patient, alert_id=flag.id)
    db.expire_all()
    assert flag.kind == "red_flag" and flag.status == "open"


def test_an_item_of_another_patient_cannot_be_answered(db, twilio, clinic, patient, write):
    other = make_patient(db, clinic, phone="+12025550129")
    db.commit()
    reply_text(twilio.sms("is this covered by insurance?", from_="+12025550129", to=CLINIC_NUMBER))
    item = db.scalar(select(Alert).where(Alert.patient_id == other.id))
    with pytest.raises(NotFoundError):
        write("Hello.", to=patient, alert_id=item.id)


class TestWhenItGoes:
    def test_at_night_without_a_recent_text_it_waits_for_the_morning(
        self, db, patient, write, clock, tick, fake_transport
    ):
        clock.at = NIGHT
        message = write("Your results are in; call us.", to=patient)

        assert message.kind == "staff" and message.next_attempt_at == NEXT_MORNING
        tick(NIGHT)
        assert fake_transport.sent == []
        tick(NEXT_MORNING)
        assert len(fake_transport.sent) == 1

    def test_marked_urgent_it_goes_at_night(self, db, patient, write, clock, tick, fake_transport):
        clock.at = NIGHT
        message = write("Please call us now.", to=patient, urgent=True)

        assert message.kind == "urgent_staff"
        tick(NIGHT)
        assert len(fake_transport.sent) == 1

    def test_answering_a_text_just_sent_goes_at_once_at_night(
        self, db, twilio, patient, write, clock, tick, fake_transport
    ):
        clock.at = NIGHT
        reply_text(twilio.sms("can I take a shower tonight?", from_=PATIENT_PHONE,
                              to=CLINIC_NUMBER))  # fmt: skip
        message = write("Yes, keep the line covered.", to=patient)

        assert message.kind == "staff_reply"
        tick(NIGHT)
        assert any("keep the line covered" in body for body in _bodies(fake_transport))

    @pytest.mark.parametrize("then_start", [False, True])
    def test_after_stop_a_queued_staff_message_is_never_sent(
        self, db, twilio, patient, write, clock, tick, fake_transport, then_start
    ):
        clock.at = NIGHT
        queued = write("Your results are in; call us.", to=patient)
        reply_text(twilio.sms("STOP", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
        if then_start:  # before the text would have gone: it stays cancelled
            reply_text(twilio.sms("START", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
        tick(NEXT_MORNING)
        assert fake_transport.sent == []
        assert (queued.status, queued.status_reason) == ("cancelled", "opted_out")


def _bodies(transport) -> list[str]:
    return [sent.body for sent in transport.sent]


def test_urgent_is_recorded_even_when_the_text_would_go_at_once(db, twilio, patient, write):
    reply_text(twilio.sms("can I take a shower tonight?", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
    trail = Trail(Actor("nurse@example.org", None), "portal.", "clinic:1")
    message = write("Call us now please.", to=patient, urgent=True, trail=trail)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "portal.thread.message"))
    assert message.kind == "urgent_staff" and "urgent_staff" in entry.detail


def test_any_text_to_the_patient_answers_their_open_review_items(db, twilio, patient, write):
    """Written from the patient's page or the API without naming the item: it is answered."""
    reply_text(twilio.sms("is this covered by insurance?", from_=PATIENT_PHONE, to=CLINIC_NUMBER))
    reply_text(twilio.sms("fever 39.4 and chills", from_=PATIENT_PHONE, to=CLINIC_NUMBER))

    write("Our counselor will call you today; please call the 24/7 line now.", to=patient)

    db.expire_all()
    statuses = dict(db.execute(select(Alert.kind, Alert.status)).all())
    assert statuses == {"needs_review": "acknowledged", "red_flag": "open"}
