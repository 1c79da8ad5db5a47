"""Enrolling, reading, changing and unenrolling patients through the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lupus_sms.enrollment.models import Anchor, ConsentEvent
from lupus_sms.messaging.models import Message, PhoneNumber
from tests.enrollment.conftest import enrol
from tests.factories import auth_headers

CONTRACT_FIELDS = {
    "id", "phone", "name", "external_id", "language", "timezone", "program",
    "procedure_date", "consent_source", "status", "created_at",
}  # fmt: skip


def test_enrol_normalises_phone_and_sends_one_neutral_invitation(api, db, clinic):
    response = api.post(
        "/api/v1/patients",
        json={"phone": "(202) 555-0123", "consent_source": "written", "program": "msc",
              "name": "Ana", "external_id": "MRN-1"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    patient = response.json()
    assert set(patient) >= CONTRACT_FIELDS
    assert patient["phone"] == "+12025550123"
    assert patient["status"] == "pending_consent"
    assert patient["timezone"] == clinic.timezone
    invitations = db.scalars(select(Message).where(Message.kind == "consent_invitation")).all()
    assert len(invitations) == 1
    body = invitations[0].body
    assert invitations[0].status == "queued"
    assert clinic.name in body
    assert (
        "Reply YES to join. Reply HELP for help, STOP to opt out. Msg&data rates may apply." in body
    )
    for revealing in ("lupus", "stem", "aHSCT", "MSC", "transplant"):
        assert revealing.lower() not in body.replace(clinic.name, "").lower()
    assert invitations[0].encoding == "GSM-7"


def test_repost_same_phone_is_idempotent(api, db):
    first = api.post(
        "/api/v1/patients",
        json={"phone": "+12025550123", "consent_source": "phone", "program": "ahsct"},
    )
    second = api.post(
        "/api/v1/patients",
        json={"phone": "202-555-0123", "consent_source": "phone", "program": "ahsct"},
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    sent = db.scalars(select(Message).where(Message.kind == "consent_invitation")).all()
    assert len(sent) == 1


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "hello",
        "+1 555 0100",
        "12345",
        "+44 20 7946 0958",  # UK landline
        "+49 30 901820",  # German landline
        "+33 1 42 68 53 00",  # Paris landline
        "+61 2 9374 4000",  # Sydney landline
        "+1 800 555 0199",  # US toll free
        "+999 1234567",
        "+1202555012345678901234567890",
    ],
)
def test_bad_or_landline_numbers_are_422(api, phone):
    response = api.post(
        "/api/v1/patients", json={"phone": phone, "consent_source": "phone", "program": "ahsct"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_failed"
    assert response.json()["error"]["message"]


def test_foreign_mobile_numbers_are_accepted(api):
    for phone in ("+44 7911 123456", "+49 151 23456789", "+52 55 1234 5678"):
        patient = enrol(api, phone=phone)
        assert patient["phone"].startswith("+")


@pytest.mark.parametrize(
    "timezone", ["Mars/Olympus", "EST5", "../etc/passwd", "America", "", "x" * 70]
)
def test_bad_time_zones_are_422(api, timezone):
    response = api.post(
        "/api/v1/patients",
        json={"phone": "+12025550123", "consent_source": "phone", "program": "ahsct",
              "timezone": timezone},
    )  # fmt: skip
    assert response.status_code == 422, response.text


def test_missing_consent_source_is_422(api):
    response = api.post("/api/v1/patients", json={"phone": "+12025550123", "program": "msc"})
    assert response.status_code == 422
    assert "consent_source" in response.json()["error"]["message"]


def test_enrolling_an_opted_out_number_sends_nothing(api, db):
    number = PhoneNumber(e164="+12025550123", phone_hash="h1", opted_out=True)
    db.add(number)
    db.flush()
    patient = enrol(api)
    assert patient["status"] == "opted_out"
    assert db.scalar(select(Message).where(Message.kind == "consent_invitation")) is None


def test_past_procedure_date_creates_the_milestone(api, db):
    patient = enrol(api, program="ahsct", procedure_date="2026-01-05")
    anchor = db.scalar(select(Anchor).where(Anchor.patient_id == patient["id"]))
    assert (anchor.category, anchor.kind, anchor.status) == ("milestone", "infusion", "scheduled")
    assert anchor.at.date() == date(2026, 1, 5)  # local midnight in New York is 05:00 UTC


def test_moving_procedure_date_moves_the_milestone(api, db):
    patient = enrol(api, program="msc", procedure_date="2026-04-01")
    response = api.patch(f"/api/v1/patients/{patient['id']}", json={"procedure_date": "2026-04-08"})
    assert response.status_code == 200, response.text
    anchors = db.scalars(select(Anchor).where(Anchor.patient_id == patient["id"])).all()
    assert len(anchors) == 1
    assert (anchors[0].kind, anchors[0].revision, anchors[0].at.day) == ("treatment", 2, 8)


def test_list_filters_and_paginates(api):
    for index in range(5):
        enrol(api, phone=f"+1202555010{index}", program="ahsct" if index % 2 else "msc")
    page = api.get("/api/v1/patients", params={"limit": 2, "program": "msc"}).json()
    assert [p["program"] for p in page["items"]] == ["msc", "msc"]
    rest = api.get(
        "/api/v1/patients", params={"limit": 2, "program": "msc", "cursor": page["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [p["id"] for p in page["items"] + rest["items"]]
    assert len(set(ids)) == 3


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "@@"}])
def test_bad_pagination_is_422(api, params):
    assert api.get("/api/v1/patients", params=params).status_code == 422


def test_limit_200_is_allowed(api):
    assert api.get("/api/v1/patients", params={"limit": 200}).status_code == 200


def test_pause_and_resume(api, db, clock):
    patient = enrol(api)
    url = f"/api/v1/patients/{patient['id']}"
    # A pending patient has not agreed yet: there is nothing to pause.
    assert api.patch(url, json={"status": "paused"}).status_code == 422
    db.execute(ConsentEvent.__table__.delete())
    from lupus_sms.enrollment.models import Patient

    db.get(Patient, patient["id"]).status = "active"
    db.flush()
    paused = api.patch(url, json={"status": "paused", "paused_until": "2026-04-01T00:00:00Z"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert paused.json()["paused_until"].startswith("2026-04-01")
    resumed = api.patch(url, json={"status": "active"})
    assert resumed.json()["status"] == "active" and resumed.json()["paused_until"] is None
    assert api.patch(url, json={"status": "opted_out"}).status_code == 422
    assert api.patch(url, json={"phone": "+12025550199"}).status_code == 422


def test_delete_unenrolls_and_keeps_history(api, db):
    patient = enrol(api, name="Ana")
    url = f"/api/v1/patients/{patient['id']}"
    assert api.delete(url).status_code == 204
    kept = api.get(url).json()
    assert kept["status"] == "unenrolled" and kept["name"] == "Ana"
    messages = api.get(url + "/messages").json()["items"]
    assert messages and messages[0]["body"]


def test_erase_removes_personal_data_but_stop_survives(api, db):
    patient = enrol(api, name="Ana", external_id="MRN-9")
    number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+12025550123"))
    number.opted_out = True
    db.flush()
    response = api.delete(f"/api/v1/patients/{patient['id']}", params={"erase": "true"})
    assert response.status_code == 204
    erased = api.get(f"/api/v1/patients/{patient['id']}").json()
    assert (erased["name"], erased["external_id"], erased["phone"]) == (None, None, None)
    assert db.scalar(select(Message.body).where(Message.patient_id == patient["id"])) is None
    assert db.scalar(select(PhoneNumber.id).where(PhoneNumber.e164 == "+12025550123")) is None
    again = enrol(api)
    assert again["status"] == "opted_out"
    # A new patient: the erased record stays apart from the number enrolled again.
    assert again["id"] != patient["id"]
    assert api.get(f"/api/v1/patients/{patient['id']}").json()["phone"] is None


def test_clinic_records_an_opt_out_that_blocks_the_number(api, db, other_clinic, twilio):
    patient = enrol(api)
    twilio.sms("YES", from_="+12025550123")  # the number consented to this clinic
    other_headers = auth_headers(db, other_clinic)
    other = api.post(
        "/api/v1/patients",
        json={"phone": "+12025550123", "consent_source": "phone", "program": "msc"},
        headers=other_headers,
    ).json()
    response = api.post(
        f"/api/v1/patients/{patient['id']}/opt-out",
        json={"source": "front_desk", "occurred_at": "2026-03-10T09:00:00-05:00", "note": "asked"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "opted_out"
    number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+12025550123"))
    assert number.opted_out
    other_now = api.get(f"/api/v1/patients/{other['id']}", headers=other_headers).json()
    assert other_now["status"] == "opted_out"
    events = api.get(f"/api/v1/patients/{patient['id']}/consent-events").json()["items"]
    assert [e["kind"] for e in events] == ["opted_out", "confirmed", "invited"]
    assert events[0]["source"] == "front_desk" and events[0]["note"] == "asked"
    other_events = api.get(
        f"/api/v1/patients/{other['id']}/consent-events", headers=other_headers
    ).json()["items"]
    assert other_events[0]["note"] is None


def test_messages_list_newest_first_with_contract_fields(api):
    patient = enrol(api)
    page = api.get(f"/api/v1/patients/{patient['id']}/messages").json()
    assert set(page["items"][0]) >= {
        "id", "direction", "body", "status", "error_code", "created_at", "sent_at"
    }  # fmt: skip
    assert page["items"][0]["direction"] == "outbound"


def test_a_pause_with_an_end_resumes_on_the_tick(api, db, clock):
    from datetime import timedelta

    from sqlalchemy.orm import sessionmaker

    from lupus_sms.enrollment.models import Patient
    from lupus_sms.scheduling.tick import run_tick
    from tests.transports import steps

    patient = enrol(api)
    db.get(Patient, patient["id"]).status = "active"
    db.flush()
    url = f"/api/v1/patients/{patient['id']}"
    api.patch(url, json={"status": "paused", "paused_until": "2026-03-12T12:00:00Z"})
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    run_tick(factory, clock.now() + timedelta(days=1), steps())
    assert api.get(url).json()["status"] == "paused"
    run_tick(factory, clock.now() + timedelta(days=3), steps())
    db.expire_all()
    assert api.get(url).json()["status"] == "active"


def test_patch_null_clears_optional_fields_only(api):
    patient = enrol(api, name="Ana", external_id="MRN-1")
    url = f"/api/v1/patients/{patient['id']}"
    cleared = api.patch(url, json={"name": None, "external_id": None}).json()
    assert (cleared["name"], cleared["external_id"]) == (None, None)
    refused = api.patch(url, json={"program": None, "name": "Bo"})
    assert refused.status_code == 422
    assert api.get(url).json()["name"] is None  # nothing of a refused change is applied


def test_enrolling_again_after_unenrolment_sends_a_new_invitation(api, db):
    patient = enrol(api)
    api.delete(f"/api/v1/patients/{patient['id']}")
    again = api.post(
        "/api/v1/patients",
        json={"phone": "+12025550123", "consent_source": "written", "program": "msc"},
    )
    assert again.status_code == 201
    assert again.json()["id"] == patient["id"]
    assert (again.json()["status"], again.json()["program"]) == ("pending_consent", "msc")
    sent = db.scalars(select(Message).where(Message.kind == "consent_invitation")).all()
    assert len(sent) == 2


def test_an_invitation_still_waiting_is_cancelled_when_a_new_one_is_queued(api, db):
    patient = enrol(api)  # its invitation waits in the outbox (the worker has not run)
    api.delete(f"/api/v1/patients/{patient['id']}")
    api.post(
        "/api/v1/patients",
        json={"phone": "+12025550123", "consent_source": "written", "program": "msc"},
    )
    invitations = db.scalars(
        select(Message).where(Message.kind == "consent_invitation").order_by(Message.id)
    ).all()
    assert [(m.status, m.status_reason) for m in invitations] == [
        ("cancelled", "superseded"),
        ("queued", None),
    ]


def test_a_refused_resume_names_the_status_with_its_article(api):
    patient = enrol(api)
    assert api.delete(f"/api/v1/patients/{patient['id']}").status_code == 204
    refused = api.patch(f"/api/v1/patients/{patient['id']}", json={"status": "active"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("an unenrolled patient cannot be resumed")
