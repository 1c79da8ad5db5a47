"""`lupus-sms demo`: demo data on an empty database only, and a dashboard that shows it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lupus_sms.admin.demo import DEMO_OWNER_EMAIL, fill
from lupus_sms.alerts.models import Alert
from lupus_sms.clinics import service as clinics
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.core.errors import ConflictError
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.users.models import User
from tests.admin.conftest import AdminClient
from tests.admin.test_cli import migrated, run

FICTIONAL = re.compile(r"^\+1(617555\d{4}|20255501\d\d)$")


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_fills_an_empty_database_with_marked_fictional_data(cli_env):
    migrated()
    result = run("demo")
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password \(shown only now[^)]*\): (\S+)", result.output)
    assert password and len(password.group(1)) >= 12
    with get_sessionmaker()() as db:
        clinic = db.scalars(select(Clinic)).one()
        assert clinic.is_demo and clinic.name.startswith("Demo")
        assert db.scalars(select(User)).one().is_demo
        assert count(db, Patient) >= 20
        phones = db.scalars(select(PhoneNumber.e164)).all()
        assert phones and all(FICTIONAL.match(phone) for phone in phones)
        assert count(db, Message, Message.clinic_id != clinic.id) == 0
        assert count(db, Message, Message.direction == "inbound") > 20
        codes = set(db.scalars(select(Message.error_code).where(Message.error_code.is_not(None))))
        assert codes <= {"30003", "30006", "21610"} and len(codes) >= 2
        assert count(db, Message, Message.status == "queued") == 0  # nothing left to send
        assert count(db, PhoneNumber, PhoneNumber.opted_out.is_(True)) >= 1
        assert count(db, PlannedMessage, PlannedMessage.status == "planned") > 0
        assert count(db, Alert, Alert.status == "open") >= 1


def test_demo_refuses_a_second_run(cli_env):
    migrated()
    assert run("demo").exit_code == 0
    again = run("demo")
    assert again.exit_code == 1
    assert "already here" in again.output
    with get_sessionmaker()() as db:
        assert count(db, Clinic) == 1


def test_demo_refuses_a_database_with_real_data(cli_env):
    migrated()
    with get_sessionmaker()() as db:
        clinics.create_clinic(
            db,
            name="Riverside Clinic",
            office_phone="+16175550100",
            urgent_phone="+16175550101",
            timezone="America/New_York",
        )
        db.commit()
    result = run("demo")
    assert result.exit_code == 1
    assert "real data" in result.output
    with get_sessionmaker()() as db:
        assert count(db, Clinic) == 1
        assert count(db, User) == 0
        assert count(db, Patient) == 0


def test_demo_refuses_when_twilio_would_send(cli_env, monkeypatch):
    migrated()
    monkeypatch.setenv("SMS_TRANSPORT", "twilio")
    get_settings.cache_clear()
    result = run("demo")
    assert result.exit_code == 1 and "SMS_TRANSPORT=console" in result.output


def test_a_message_of_a_real_conversation_counts_as_real_data(db, clock):
    db.add(Message(direction="inbound", phone="+12025550142", body="hi", status="received"))
    db.flush()
    with pytest.raises(ConflictError, match="a message"):
        fill(db, now=clock.now(), content_dir=get_settings().content_dir)


def test_the_dashboard_comes_alive_with_the_demo_data(db, clock, app, admin_http):
    result = fill(db, now=clock.now(), content_dir=get_settings().content_dir)
    db.commit()
    owner = AdminClient(admin_http)
    assert owner.login(DEMO_OWNER_EMAIL, result.owner_password).status_code == 303
    new_password = "a passphrase chosen at first sign-in"
    form = {"current_password": result.owner_password, "password": new_password}
    changed = owner.post("/admin/account/password", form | {"confirm": new_password},
                         page="/admin/account")  # fmt: skip
    assert changed.status_code == 303
    page = owner.get("/admin/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 4
    assert "Demo Lupus Clinic" in page.text  # open alerts per clinic
    assert "30003" in page.text or "30006" in page.text or "21610" in page.text
    assert "sushi" in page.text  # an unknown text, de-identified
    assert "+1617555" not in page.text and "Demo Patient" not in page.text
