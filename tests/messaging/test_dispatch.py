"""Outbox -> transport through the scheduler's tick: sends, skips, retries, failures."""

from __future__ import annotations

from datetime import timedelta

from lupus_sms.messaging.transport import PermanentTransportError, TemporaryTransportError
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import queue_text, reload, utc

NOON_NY = utc(2026, 3, 10, 16, 0)  # 12:00 in New York (EDT)


def test_a_queued_text_is_sent_once_with_a_status_callback(db, tick, fake_transport):
    message = queue_text(db, now=NOON_NY)
    tick(NOON_NY)
    tick(NOON_NY + timedelta(minutes=1))
    assert len(fake_transport.sent) == 1
    sms = fake_transport.sent[0]
    assert sms.to == "+12025550123"
    assert sms.status_callback.endswith(f"/twilio/status?message_id={message.id}")
    sent = reload(db, message)
    assert sent.status == "sent"
    assert sent.twilio_sid == "SMFAKE" + "1".zfill(26)
    assert sent.attempts == 1 and sent.claim_token is None


def test_an_opted_out_number_is_skipped_with_its_reason(db, tick, fake_transport):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    message = queue_text(db, now=NOON_NY, patient_id=patient.id)
    patient.phone_number.opted_out = True
    tick(NOON_NY)
    skipped = reload(db, message)
    assert fake_transport.sent == []
    assert (skipped.status, skipped.status_reason) == ("skipped", "opted_out")


def test_an_unenrolled_patient_gets_nothing(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db), status="unenrolled")
    message = queue_text(db, now=NOON_NY, patient_id=patient.id)
    tick(NOON_NY)
    assert fake_transport.sent == []
    assert reload(db, message).status_reason == "unenrolled"


def test_a_text_past_its_validity_expires_instead_of_going_late(db, tick, fake_transport):
    message = queue_text(db, now=NOON_NY, valid_until=NOON_NY + timedelta(hours=1))
    tick(NOON_NY + timedelta(hours=2))
    assert fake_transport.sent == []
    assert reload(db, message).status == "expired"


def test_temporary_errors_are_retried_with_backoff(db, tick, fake_transport):
    fake_transport.fail_with = [
        TemporaryTransportError("busy", code="30001"),
        TemporaryTransportError("429", code="20429", retry_after=600),
    ]
    message = queue_text(db, now=NOON_NY)
    tick(NOON_NY)
    first = reload(db, message)
    assert (first.status, first.attempts, first.error_code) == ("queued", 1, "30001")
    first_retry = first.next_attempt_at
    assert NOON_NY + timedelta(seconds=30) <= first_retry <= NOON_NY + timedelta(seconds=60)
    tick(first_retry)
    second_retry = reload(db, message).next_attempt_at
    assert second_retry >= first_retry + timedelta(seconds=600)  # Retry-After wins
    tick(second_retry)
    assert reload(db, message).status == "sent"
    assert len(fake_transport.sent) == 1


def test_retries_stop_at_the_limit(db, tick, fake_transport, monkeypatch):
    monkeypatch.setenv("SEND_MAX_ATTEMPTS", "2")
    from lupus_sms.core.config import get_settings

    get_settings.cache_clear()
    try:
        fake_transport.fail_with = [TemporaryTransportError("down", code="503")] * 3
        message = queue_text(db, now=NOON_NY)
        tick(NOON_NY)
        tick(reload(db, message).next_attempt_at)
        failed = reload(db, message)
        assert (failed.status, failed.attempts) == ("failed", 2)
    finally:
        get_settings.cache_clear()


def test_unsubscribed_recipient_is_not_retried_and_the_number_is_blocked_by_the_carrier(
    db, tick, fake_transport
):
    patient = make_patient(db, make_clinic(db))
    fake_transport.fail_with = [PermanentTransportError("unsubscribed", code="21610")]
    message = queue_text(db, now=NOON_NY, patient_id=patient.id)
    tick(NOON_NY)
    failed = reload(db, message)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "21610", 1)
    patient = reload(db, patient)
    # The patient's own consent is unchanged; Twilio's block is recorded beside it.
    assert patient.status == "active" and not patient.phone_number.opted_out
    assert patient.phone_number.carrier_blocked_at == NOON_NY


def test_invalid_number_marks_the_patient_undeliverable(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    fake_transport.fail_with = [PermanentTransportError("not mobile", code="21614")]
    queue_text(db, now=NOON_NY, patient_id=patient.id)
    tick(NOON_NY)
    assert reload(db, patient).status == "undeliverable"


def test_the_sender_rate_limit_defers_a_burst(db, tick, fake_transport):
    for index in range(20):  # one segment each, default 1 segment/s, tick 15 s
        queue_text(db, now=NOON_NY, body=f"Notice {index} from the care team")
    tick(NOON_NY)
    assert 10 <= len(fake_transport.sent) < 20
    tick(NOON_NY + timedelta(minutes=1))
    assert len(fake_transport.sent) == 20
    assert len({sms.body for sms in fake_transport.sent}) == 20


def test_a_backlog_larger_than_a_batch_goes_out_in_one_tick(db, tick, fake_transport, set_env):
    set_env(tick_batch_size="4", sms_segments_per_second="100")
    for index in range(10):
        queue_text(db, now=NOON_NY, body=f"Notice {index} from the care team")
    assert tick(NOON_NY)["outbox_to_transport"] == 10
