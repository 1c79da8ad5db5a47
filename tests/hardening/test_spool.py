"""The database is unreachable: the webhook spools the text, answers from memory, and the
replay stores it exactly once when the database is back."""

from __future__ import annotations

import json
import logging
import shutil
import stat
from contextlib import nullcontext

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import Alert
from lupus_sms.core.db import get_db, make_engine
from lupus_sms.inbound import spool
from lupus_sms.inbound.degraded import IN_SPANISH, RECEIVED_TEXT, SAFETY_TEXT, SELF_HARM_TEXT
from lupus_sms.inbound.spool import pending, replay_spool
from lupus_sms.messaging.models import Message, PhoneNumber
from tests.factories import make_clinic, make_patient
from tests.helpers import reply_text

PATIENT = "+12025550171"


def replay(db, settings):
    return replay_spool(lambda: nullcontext(db), settings=settings)


def stored(db, sid: str) -> list[Message]:
    return list(db.scalars(select(Message).where(Message.twilio_sid == sid)))


def test_text_is_spooled_answered_and_replayed_once(twilio, db, settings, database_down, app):
    response = twilio.sms("risks?", from_=PATIENT, sid="SMdown1")
    assert reply_text(response) == RECEIVED_TEXT
    files = pending(settings.spool_dir)
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert json.loads(files[0].read_text())["sms"]["message_sid"] == "SMdown1"
    assert stored(db, "SMdown1") == []

    app.dependency_overrides[get_db] = lambda: db  # the database is back
    assert replay(db, settings).replayed == 1
    assert pending(settings.spool_dir) == []
    [inbound] = stored(db, "SMdown1")
    assert inbound.body == "risks?"
    # The real answer follows through the outbox: the patient only had the holding reply.
    late = db.scalars(select(Message).where(Message.in_reply_to_id == inbound.id)).all()
    assert [(m.status, m.kind) for m in late] == [("queued", "education")]


def test_replay_is_idempotent_even_if_a_file_comes_back(twilio, db, settings, database_down):
    twilio.sms("MENU", from_=PATIENT, sid="SMdown2")
    [path] = pending(settings.spool_dir)
    copy = path.with_name("copy.bak")
    shutil.copy(path, copy)
    replay(db, settings)
    copy.rename(path)  # as if the process died after storing but before removing the file
    # Nothing new stored, and said so (two processes replaying one file both said "stored").
    assert replay(db, settings) == spool.SpoolReplay(replayed=0, remaining=0)
    assert len(stored(db, "SMdown2")) == 1
    assert db.scalar(select(func.count()).select_from(Message)) == 2  # the text and one reply


def test_twilio_retry_while_down_is_spooled_once(twilio, settings, database_down):
    for _ in range(3):
        assert reply_text(twilio.sms("MENU", from_=PATIENT, sid="SMdown3")) == RECEIVED_TEXT
    assert len(pending(settings.spool_dir)) == 1


def test_replay_waits_while_the_database_is_still_down(
    twilio, settings, unreachable_url, database_down
):
    twilio.sms("MENU", from_=PATIENT, sid="SMdown4")
    broken = make_engine(unreachable_url)
    result = replay_spool(lambda: Session(broken), settings=settings)
    broken.dispose()
    assert (result.replayed, result.remaining) == (0, 1)


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ("I have a fever of 39.1 and chills", SAFETY_TEXT),
        ("cant breathe", SAFETY_TEXT),
        ("i want to kill myself", SELF_HARM_TEXT),
        ("stop texting me, I want to kill myself", SELF_HARM_TEXT),
        # Beyond the floor kept in code: the rules being served are read, not the floor alone.
        ("I want to die", SELF_HARM_TEXT),
        ("stop texting me, I want to die", SELF_HARM_TEXT),
        ("whats the point of going on", SELF_HARM_TEXT),
        ("my lips are swelling", SAFETY_TEXT),
        ("nosebleed that wont stop", SAFETY_TEXT),
        ("dolor en el pecho", IN_SPANISH[SAFETY_TEXT]),
        ("ya no quiero vivir", IN_SPANISH[SELF_HARM_TEXT]),
    ],
)
def test_red_flags_get_a_safety_reply_from_memory(
    twilio, db, settings, database_down, body, answer
):
    assert reply_text(twilio.sms(body, from_=PATIENT, sid="SMflag")) == answer
    replay(db, settings)
    [inbound] = stored(db, "SMflag")
    # The answer from memory could not name the urgent line: the real safety reply follows.
    [late] = db.scalars(select(Message).where(Message.in_reply_to_id == inbound.id)).all()
    assert (late.status, late.kind) == ("queued", "safety")
    assert "911" in late.body or "988" in late.body


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ("no puedo respirar", IN_SPANISH[SAFETY_TEXT]),
        ("tengo fiebre de 39.5 y escalofrios", IN_SPANISH[SAFETY_TEXT]),
        ("quiero matarme", IN_SPANISH[SELF_HARM_TEXT]),
        ("hola, tengo una pregunta sobre el trasplante", IN_SPANISH[RECEIVED_TEXT]),
    ],
)
def test_a_text_written_in_spanish_is_answered_in_spanish_from_memory(
    twilio, settings, database_down, body, answer
):
    assert reply_text(twilio.sms(body, from_=PATIENT, sid="SMes")) == answer
    assert "911" in answer


def test_a_spooled_red_flag_opens_an_alert_and_the_clinics_urgent_line_follows(
    twilio, db, settings, database_down
):
    clinic = make_clinic(db)
    make_patient(db, clinic, phone=PATIENT)
    assert reply_text(twilio.sms("cant breathe", from_=PATIENT, sid="SMflag2")) == SAFETY_TEXT
    assert "617" not in SAFETY_TEXT  # from memory: no clinic, no number

    replay(db, settings)
    [inbound] = stored(db, "SMflag2")
    [late] = db.scalars(select(Message).where(Message.in_reply_to_id == inbound.id)).all()
    assert late.status == "queued"
    assert "(617) 555-0199" in late.body  # the clinic's urgent line
    alert = db.scalar(select(Alert).where(Alert.message_id == inbound.id))
    assert alert is not None and alert.clinic_id == clinic.id


def test_stop_while_down_gets_no_holding_reply_and_is_applied_on_replay(
    twilio, db, settings, database_down
):
    assert reply_text(twilio.sms("STOP", from_=PATIENT)) == ""
    replay(db, settings)
    phone_number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PATIENT))
    assert phone_number.opted_out


def test_replay_keeps_the_order_texts_arrived_in(twilio, db, settings, database_down):
    for body in ("STOP", "START", "STOP", "START"):
        twilio.sms(body, from_=PATIENT)
    assert replay(db, settings).replayed == 4
    phone_number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PATIENT))
    assert not phone_number.opted_out


def test_replay_follows_arrival_even_when_a_later_text_was_spooled_first(db, settings, clock):
    """Two processes: MORE came a second after RISKS but waited less for the database, so
    it was spooled first. Replay goes by arrival: RISKS opens the topic, MORE pages on."""
    from datetime import timedelta

    from lupus_sms.inbound.service import InboundSms
    from lupus_sms.inbound.spool import accept_while_database_down

    came = clock.now()
    texts = {body: InboundSms(f"SM{body}0000", PATIENT, "+12025550100", body)
             for body in ("RISKS", "MORE")}  # fmt: skip
    accept_while_database_down(
        texts["MORE"], settings=settings, clock=clock, received_at=came + timedelta(seconds=1)
    )
    accept_while_database_down(texts["RISKS"], settings=settings, clock=clock, received_at=came)

    assert replay(db, settings).replayed == 2
    more = stored(db, "SMMORE0000")[0]
    reply = db.scalar(select(Message).where(Message.in_reply_to_id == more.id))
    assert reply is not None and "(2/" in reply.body  # page 2, not "nothing more"


def test_a_text_spooled_for_another_database_is_left_alone(
    twilio, db, settings, database_down, caplog
):
    """Two deployments sharing one spool folder: neither stores the other's texts."""
    twilio.sms("RISKS", from_=PATIENT, sid="SMelsewhere")
    [path] = pending(settings.spool_dir)
    entry = json.loads(path.read_text())
    assert entry["database"] == spool.database_of(settings)
    path.write_text(json.dumps(entry | {"database": "another-database"}))

    with caplog.at_level(logging.WARNING):
        assert replay(db, settings) == spool.SpoolReplay(replayed=0, remaining=1)
    assert stored(db, "SMelsewhere") == [] and path.exists()
    assert "belongs to another database" in caplog.text


def test_strange_message_sids_stay_inside_the_spool(twilio, db, settings, database_down):
    twilio.sms("MENU", from_=PATIENT, sid="../../escape")
    [path] = pending(settings.spool_dir)
    assert path.parent == settings.spool_dir
    replay(db, settings)
    assert len(stored(db, "../../escape")) == 1


def test_a_file_another_process_replayed_first_is_skipped_without_an_error(
    twilio, db, settings, database_down, caplog, monkeypatch
):
    twilio.sms("MENU", from_=PATIENT, sid="SMraced")
    listed = pending(settings.spool_dir)

    def listed_then_taken(spool_dir):
        for path in listed:  # the other web process took them between listing and reading
            path.unlink(missing_ok=True)
        return listed

    monkeypatch.setattr(spool, "pending", listed_then_taken)
    result = replay(db, settings)
    assert result.replayed == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
