"""The portal: the privacy level on the patient page, changed for a choice made in person;
the neutral display name in Settings; the optional CSV column."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.enrollment.models import ConsentEvent
from lupus_sms.messaging.models import Message
from tests.factories import auth_headers, make_clinic, make_patient
from tests.portal.conftest import *  # noqa: F403  (the portal's signed-in clients)


@pytest.fixture
def clinic(db):
    return make_clinic(db, display_name="Riverside Health")


def test_the_patient_page_shows_and_changes_the_level(db, clinic, portal_client):
    coordinator = portal_client(clinic, "coordinator")
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    assert "discreet: no illness or treatment" in coordinator.get(page).text
    response = coordinator.post(f"{page}/privacy", {"level": "detailed"}, page=page)
    assert response.headers["location"] == f"{page}?done=detailed"
    db.refresh(patient.phone_number)
    assert patient.phone_number.privacy_level == "detailed"
    shown = coordinator.get(f"{page}?done=detailed").text
    assert "detailed: reminders may name" in shown and "Send discreet texts" in shown
    assert "Privacy level chosen" in shown  # the consent event, in the timeline
    events = db.scalars(select(ConsentEvent).where(ConsentEvent.kind == "privacy")).all()
    assert [(e.source, e.note) for e in events] == [("portal", "detailed")]


def test_a_pending_patient_has_no_level_to_change(db, clinic, portal_client):
    coordinator = portal_client(clinic, "coordinator")
    patient = make_patient(db, clinic, status="pending_consent")
    db.commit()
    page = f"/portal/patients/{patient.id}"
    assert 'id="privacy-form"' not in coordinator.get(page).text
    refused = coordinator.post(f"{page}/privacy", {"level": "detailed"}, page=page)
    assert refused.status_code == 409
    db.refresh(patient.phone_number)
    assert patient.phone_number.privacy_level == "discreet"


def test_settings_require_a_neutral_name_for_a_clinic_named_after_an_illness(db, portal_client):
    clinic = make_clinic(db, name="Riverside Lupus Clinic")
    admin = portal_client(clinic, "clinic_admin")
    form = {
        "office_phone": "(617) 555-0123",
        "urgent_phone": "+1 617 555 0188",
        "timezone": "America/New_York",
        "send_window_start": "09:00",
        "send_window_end": "19:30",
    }
    missing = admin.post("/portal/settings", form)
    assert missing.status_code == 422 and "give a neutral display name" in missing.text
    listed = admin.post("/portal/settings", form | {"display_name": "Riverside Rheumatology"})
    assert listed.status_code == 422 and "must not say rheum" in listed.text
    for odd in (
        "Hope Stemcell",
        "L.U.P.U.S. Care",
        "Riverside \u2764 Health",
        "Riverside \u201cHealth\u201d",
    ):
        refused = admin.post("/portal/settings", form | {"display_name": odd})
        assert refused.status_code == 422, odd
    saved = admin.post("/portal/settings", form | {"display_name": "Riverside Health"})
    assert saved.status_code == 200 and "Saved:" in saved.text
    db.refresh(clinic)
    assert clinic.display_name == "Riverside Health"


def test_the_invitation_uses_the_neutral_name(db, client):
    clinic = make_clinic(db, name="Riverside Lupus Clinic", display_name="Riverside Health")
    client.headers.update(auth_headers(db, clinic))
    body = {"phone": "(202) 555-0123", "consent_source": "in_person", "program": "ahsct"}
    assert client.post("/api/v1/patients", json=body).status_code == 201
    invitation = db.scalar(select(Message.body).where(Message.kind == "consent_invitation"))
    assert invitation.startswith("Riverside Health: You are invited to get care texts")


def _import(client, text: str) -> dict:
    files = {"file": ("patients.csv", text.encode(), "text/csv")}
    response = client.post("/api/v1/patients/import", files=files)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_csv_column_records_a_choice_for_a_consented_number_only(db, client, clinic):
    client.headers.update(auth_headers(db, clinic))
    make_patient(db, clinic, phone="+12025550123")
    header = "phone,consent_source,program,privacy_level\n"
    rows = "+12025550123,in_person,ahsct,detailed\n+12025550124,in_person,ahsct,detailed\n"
    result = _import(client, header + rows + "+12025550125,in_person,ahsct,loud\n")
    outcome = {row["line"]: (row["result"], row.get("error") or "") for row in result["rows"]}
    assert outcome[2][0] == "updated"
    assert outcome[3][0] == "error" and "has not replied YES" in outcome[3][1]
    assert outcome[4][0] == "error" and "discreet or detailed" in outcome[4][1]
    events = db.scalars(select(ConsentEvent).where(ConsentEvent.kind == "privacy")).all()
    assert [(e.source, e.note) for e in events] == [("csv_import", "detailed")]
    again = _import(client, header + "+12025550123,in_person,ahsct,detailed\n")
    assert again["rows"][0]["result"] == "unchanged"


def test_clinic_create_takes_a_neutral_display_name(cli_env):
    from typer.testing import CliRunner

    from lupus_sms.cli import app
    from lupus_sms.clinics.models import Clinic
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.core.migrations import upgrade

    upgrade(cli_env["DATABASE_URL"])
    options = ["--phone", "+16175550100", "--urgent-phone", "+16175550199"]
    options += ["--timezone", "America/New_York"]
    runner = CliRunner()
    refused = runner.invoke(
        app,
        ["clinic", "create", "Riverside Lupus Clinic", *options, "--display-name", "Lupus Care"],
    )
    assert refused.exit_code != 0 and "must not say lupus" in refused.output
    created = runner.invoke(
        app,
        [
            "clinic",
            "create",
            "Riverside Lupus Clinic",
            *options,
            "--display-name",
            "Riverside Health",
        ],
    )
    assert created.exit_code == 0, created.output
    warned = runner.invoke(app, ["clinic", "create", "Lakeside Lupus Clinic", *options])
    assert warned.exit_code == 0 and "give a neutral display name" in warned.output
    with get_sessionmaker()() as db:
        names = dict(db.query(Clinic.name, Clinic.display_name).all())
    assert names == {"Riverside Lupus Clinic": "Riverside Health", "Lakeside Lupus Clinic": None}
