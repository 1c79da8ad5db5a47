"""A clinic's own sender: only service owners assign it (admin console or CLI), it belongs to
at most one clinic, it is never the service's default sender, and changing it re-files no
history."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lupus_sms.audit.models import AuditEntry
from lupus_sms.cli import app as cli_app
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.db import get_sessionmaker
from tests.admin.conftest import AdminClient
from tests.factories import auth_headers, make_clinic
from tests.helpers import PASSWORD

runner = CliRunner()
PHONE = "+12025550123"
ENROLMENT = {"phone": PHONE, "consent_source": "in_person", "program": "ahsct"}
SERVICE_SID = "MG" + "1" * 32


def _sender(db, clinic_id: int) -> str | None:
    db.expire_all()
    return db.get(Clinic, clinic_id).sender


@pytest.fixture
def owner(db, app):
    from fastapi.testclient import TestClient

    from lupus_sms.users import service as users

    users.create(db, email="owner@example.org", password=PASSWORD, role="owner")
    users.create(db, email="editor@example.org", password=PASSWORD, role="editor")
    db.commit()
    browsers = []

    def sign_in(email: str = "owner@example.org") -> AdminClient:
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        browsers.append(client)
        browser = AdminClient(client)
        assert browser.login(email).status_code == 303
        return browser

    yield sign_in
    for client in browsers:
        client.close()


def test_an_owner_assigns_a_sender_in_the_admin_console_and_it_is_audited(db, owner):
    clinic = make_clinic(db)
    admin = owner()
    response = admin.post(f"/admin/clinics/{clinic.id}/sender", {"sender": "(617) 555-0142"})
    assert response.status_code == 303, response.text
    assert _sender(db, clinic.id) == "+16175550142"
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "clinic.sender_changed"))
    assert entry.target == f"clinic:{clinic.id}" and "+16175550142" in entry.detail
    assert "+16175550142" in admin.get("/admin/clinics").text
    cleared = admin.post(f"/admin/clinics/{clinic.id}/sender", {"sender": ""})
    assert cleared.status_code == 303 and _sender(db, clinic.id) is None


def test_the_service_default_sender_is_never_a_clinics_own(db, owner, settings):
    settings.twilio_messaging_service_sid = SERVICE_SID
    clinic = make_clinic(db)
    admin = owner()
    for default in ("+1 202 555 0100", SERVICE_SID):  # TWILIO_FROM_NUMBER, ..._SERVICE_SID
        refused = admin.post(f"/admin/clinics/{clinic.id}/sender", {"sender": default})
        assert refused.status_code == 422 and "default sender" in refused.text
    assert _sender(db, clinic.id) is None


def test_a_sender_belongs_to_one_clinic_only(db, owner):
    make_clinic(db, name="Harbor Clinic", sender="+16175550177")
    clinic = make_clinic(db)
    refused = owner().post(f"/admin/clinics/{clinic.id}/sender", {"sender": "617-555-0177"})
    assert refused.status_code == 409 and "another clinic" in refused.text
    assert _sender(db, clinic.id) is None


def test_only_owners_assign_senders(db, owner):
    clinic = make_clinic(db)
    editor = owner("editor@example.org")
    response = editor.post(f"/admin/clinics/{clinic.id}/sender", {"sender": "+16175550142"})
    assert response.status_code == 403
    assert _sender(db, clinic.id) is None


def test_assigning_a_sender_re_files_no_history(client, db, twilio):
    """Two clinics on the shared sender; a text the number sends there is shown to both.
    One of them then gets a number of its own: the text it was shown stays in its history."""
    first, second = make_clinic(db, name="Bayside Clinic"), make_clinic(db, name="Cedar Clinic")
    ids = {}
    for clinic in (first, second):
        headers = auth_headers(db, clinic)
        ids[clinic.id] = (client.post("/api/v1/patients", json=ENROLMENT, headers=headers), headers)
        twilio.sms("YES", from_=PHONE)
    twilio.sms("when can I drive again after the infusion", from_=PHONE)

    def bodies(clinic) -> list[str]:
        patient, headers = ids[clinic.id]
        url = f"/api/v1/patients/{patient.json()['id']}/messages"
        return [m["body"] for m in client.get(url, headers=headers).json()["items"]]

    before = {clinic.id: bodies(clinic) for clinic in (first, second)}
    assert all("when can I drive again after the infusion" in b for b in before.values())
    first.sender = "+16175550142"
    db.flush()
    assert {clinic.id: bodies(clinic) for clinic in (first, second)} == before


def test_the_cli_assigns_a_sender_but_never_the_default(cli_env, monkeypatch):
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+12025550100")
    from lupus_sms.core.config import get_settings

    get_settings.cache_clear()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(cli_app, [
        "clinic", "create", "Riverside Clinic", "--phone", "(617) 555-0100",
        "--urgent-phone", "617-555-0199", "--timezone", "America/New_York",
        "--sender", "(202) 555-0100",
    ])  # fmt: skip
    assert created.exit_code == 1 and "default sender" in created.output
    created = runner.invoke(cli_app, [
        "clinic", "create", "Riverside Clinic", "--phone", "(617) 555-0100",
        "--urgent-phone", "617-555-0199", "--timezone", "America/New_York",
    ])  # fmt: skip
    assert created.exit_code == 0, created.output
    refused = runner.invoke(cli_app, ["clinic", "sender", "1", "+1 202 555 0100"])
    assert refused.exit_code == 1 and "default sender" in refused.output
    assigned = runner.invoke(cli_app, ["clinic", "sender", "1", "+1 617 555 0142"])
    assert assigned.exit_code == 0, assigned.output
    with get_sessionmaker()() as db:
        assert db.get(Clinic, 1).sender == "+16175550142"
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "clinic.sender_changed"))
        assert entry is not None and entry.actor == "cli"
    cleared = runner.invoke(cli_app, ["clinic", "sender", "1", "--shared"])
    assert cleared.exit_code == 0, cleared.output
    with get_sessionmaker()() as db:
        assert db.get(Clinic, 1).sender is None
