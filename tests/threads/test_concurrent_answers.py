"""Two people answering the same patient at the same moment, on separate connections: one
text goes, the other writer is told (threads/service.py, the conditional `staff_version`)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from lupus_sms.audit.service import Actor
from lupus_sms.content.service import use_yaml_content
from lupus_sms.core.db import make_engine
from lupus_sms.core.errors import ConflictError
from lupus_sms.core.migrations import upgrade
from lupus_sms.messaging.models import Message
from lupus_sms.threads import service as threads
from tests.conftest import DEFAULT_NOW
from tests.factories import make_clinic, make_patient

ROUNDS = 4


@pytest.fixture
def own_database(fresh_database_url):
    upgrade(fresh_database_url)
    use_yaml_content()
    engines = [make_engine(fresh_database_url) for _ in range(2)]
    yield [sessionmaker(bind=engine, expire_on_commit=False) for engine in engines]
    for engine in engines:
        engine.dispose()


@pytest.mark.multiprocess
def test_of_two_nurses_sending_at_once_exactly_one_text_goes_each_time(own_database, settings):
    with own_database[0]() as db:
        clinic = make_clinic(db, sender="+16175550142")
        patient_id = make_patient(db, clinic, phone="+12025550123").id
        db.commit()
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def nurse(factory, name: str, seen: int, start: threading.Barrier) -> None:
        try:
            with factory() as db:
                clinic_row = db.get(type(clinic), clinic.id)
                db.rollback()  # hold no lock while waiting (SQLite begins with the write lock)
                start.wait()
                try:
                    threads.send_staff_message(
                        db, clinic=clinic_row, patient_id=patient_id, body=f"From {name}.",
                        author=threads.StaffAuthor(Actor(name), True), now=DEFAULT_NOW,
                        settings=settings, seen_version=seen,
                    )  # fmt: skip
                    outcomes.append("sent")
                except ConflictError as exc:
                    assert "answered this patient while you were writing" in exc.message
                    outcomes.append("told")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    for seen in range(ROUNDS):  # round 0 also races to make the conversation
        start = threading.Barrier(2)
        pair = [
            threading.Thread(target=nurse, args=(factory, f"nurse{i}", seen, start))
            for i, factory in enumerate(own_database)
        ]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(30)

    assert errors == []
    assert sorted(outcomes) == ["sent"] * ROUNDS + ["told"] * ROUNDS
    with own_database[0]() as db:
        staff = db.scalar(select(func.count()).where(Message.author.is_not(None)))
        assert staff == ROUNDS
