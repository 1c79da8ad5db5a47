"""The conversations API: a staff message to a patient, the clinic's conversations, assigning
and closing them, and the clinic's conversation settings; tenancy and the error shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.threads.service import SHARED_SENDER_REFUSAL
from lupus_sms.users.models import User
from tests.factories import auth_headers, make_clinic, make_patient
from tests.threads.conftest import CLINIC_NUMBER

# 23:00 on 10 March in New York (EDT, UTC-4): the send window (08:00-20:00) is shut.
LATE_EVENING = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 08:00 in New York


@pytest.fixture
def api(client, db, clinic):
    client.headers.update(auth_headers(db, clinic))
    return client


@pytest.fixture
def other_api(app, db):
    """A key of another clinic, with its own sender (the same path, another tenant)."""
    from fastapi.testclient import TestClient

    other = make_clinic(db, name="Harbor Clinic", sender="+16175550143")
    with TestClient(app, raise_server_exceptions=False) as other_client:
        other_client.headers.update(auth_headers(db, other))
        yield other_client


def _user(db, clinic, role="nurse", email="nurse.kim@example.org") -> User:
    user = User(email=email, password_hash="x", role=role, clinic_id=clinic.id)
    db.add(user)
    db.commit()
    return user


def _audit(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _send(api, patient, **body):
    return api.post(f"/api/v1/patients/{patient.id}/messages", json=body)


def test_a_message_is_queued_with_its_author_and_audited_under_the_key(api, db, patient, clock):
    response = _send(api, patient, body="Your results are in, all fine.")
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["kind"] == "staff" and message["status"] == "queued"
    assert message["body"].startswith("Your care team: this is a person")  # discreet number
    assert message["body"].endswith("Your results are in, all fine.")
    assert message["segments"] >= 2 and message["encoding"] == "GSM-7"
    assert message["author"].startswith("api key lsk_")
    assert datetime.fromisoformat(message["sends_at"]) == clock.now()  # 11:00 in New York
    [entry] = _audit(db, "api.thread.message")
    assert entry.actor == message["author"] and entry.target == f"patient:{patient.id}"
    conversation = api.get(f"/api/v1/conversations/{message['conversation_id']}").json()
    assert conversation["patient_id"] == patient.id and conversation["staff_version"] == 1


def test_a_quick_reply_is_filled_in_for_the_patient(api, patient):
    response = _send(api, patient, template="call_today")
    assert response.status_code == 201, response.text
    assert "Hi Ana, thank you for your message" in response.json()["body"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"body": "   "}, "Write a message first"),
        ({"body": "x" * 1601}, "too long"),
        ({"template": "no_such_reply"}, "no quick reply 'no_such_reply'"),
        ({"template": "call_today", "body": "and mine"}, "either a body or a template"),
        ({"body": "hi", "unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_a_422_that_says_why(api, patient, body, words):
    response = _send(api, patient, **body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert words in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("status", "words"),
    [("opted_out", "texted STOP"), ("pending_consent", "has not said YES")],
)
def test_a_patient_who_may_not_be_written_to_is_a_409(api, db, clinic, status, words):
    patient = make_patient(db, clinic, phone="+12025550145", status=status)
    response = _send(api, patient, body="Hello")
    assert response.status_code == 409
    assert words in response.json()["error"]["message"]


def test_on_a_sender_shared_by_two_clinics_the_api_is_refused_with_the_reason(client, db):
    shared = make_clinic(db)
    make_clinic(db, name="Harbor Clinic")  # the second clinic on the shared sender
    patient = make_patient(db, shared)
    response = client.post(
        f"/api/v1/patients/{patient.id}/messages",
        json={"body": "Hello"},
        headers=auth_headers(db, shared),
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == SHARED_SENDER_REFUSAL


def test_a_second_writer_with_a_stale_version_is_told_and_nothing_is_sent(api, patient):
    assert _send(api, patient, body="First answer", seen_version=0).status_code == 201
    response = _send(api, patient, body="Second answer", seen_version=0)
    assert response.status_code == 409
    assert "answered this patient while you were writing" in response.json()["error"]["message"]
    listed = api.get(f"/api/v1/patients/{patient.id}/messages").json()["items"]
    answers = [m["body"] for m in listed if "answer" in (m["body"] or "")]
    assert len(answers) == 1 and answers[0].endswith("First answer")


def test_late_in_the_evening_a_message_waits_for_the_morning(api, patient, clock):
    clock.at = LATE_EVENING
    message = _send(api, patient, body="Please call us tomorrow.").json()
    assert message["kind"] == "staff"
    assert datetime.fromisoformat(message["sends_at"]) == NEXT_MORNING


def test_an_urgent_message_goes_at_once_and_the_audit_says_urgent(api, db, patient, clock):
    clock.at = LATE_EVENING
    message = _send(api, patient, body="Your potassium is high: go to the ER.", urgent=True)
    assert message.status_code == 201
    assert message.json()["kind"] == "urgent_staff"
    assert datetime.fromisoformat(message.json()["sends_at"]) == LATE_EVENING
    [entry] = _audit(db, "api.thread.message")
    assert "urgent_staff" in entry.detail and entry.actor.startswith("api key lsk_")


def test_an_answer_to_a_text_an_hour_old_goes_at_once(api, twilio, patient, clock):
    clock.at = LATE_EVENING - timedelta(hours=1)
    twilio.sms("Can I take ibuprofen?", from_=patient.phone_number.e164, to=CLINIC_NUMBER)
    clock.at = LATE_EVENING
    message = _send(api, patient, body="Not with your kidneys, no. Call us tomorrow.").json()
    assert message["kind"] == "staff_reply"
    assert datetime.fromisoformat(message["sends_at"]) == LATE_EVENING


def test_conversations_are_listed_by_status_and_assignee(api, db, clinic, patient):
    nurse = _user(db, clinic)
    second = make_patient(db, clinic, phone="+12025550146", name="Bea")
    first_id = _send(api, patient, body="Hello").json()["conversation_id"]
    second_id = _send(api, second, body="Hello").json()["conversation_id"]
    assert api.post(f"/api/v1/conversations/{first_id}/assign",
                    json={"user_id": nurse.id}).status_code == 200  # fmt: skip
    assert api.post(f"/api/v1/conversations/{second_id}/close").status_code == 200

    def ids(**params) -> list[int]:
        response = api.get("/api/v1/conversations", params=params)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"items", "next_cursor"}
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [second_id, first_id]
    assert ids(status="open") == [first_id] and ids(status="done") == [second_id]
    assert ids(assignee=str(nurse.id)) == [first_id]
    assert ids(assignee="none") == [second_id]
    page = api.get("/api/v1/conversations", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    for bad in ({"assignee": "someone"}, {"assignee": "99999999999"}, {"status": "closed"}):
        assert api.get("/api/v1/conversations", params=bad).status_code == 422


def test_assigning_and_closing_are_audited_under_the_key(api, db, clinic, patient):
    nurse = _user(db, clinic)
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    base = f"/api/v1/conversations/{conversation}"
    assigned = api.post(f"{base}/assign", json={"user_id": nurse.id})
    assert assigned.json()["assigned_user_id"] == nurse.id
    assert api.post(f"{base}/assign", json={"user_id": None}).json()["assigned_user_id"] is None
    closed = api.post(f"{base}/close").json()
    assert closed["status"] == "done" and closed["closed_by"].startswith("api key lsk_")
    again = api.post(f"{base}/close")
    assert again.status_code == 409 and "already closed" in again.json()["error"]["message"]
    assert [e.detail for e in _audit(db, "api.thread.assign")] == [
        f"clinic:{clinic.id} user:{nurse.id}",
        f"clinic:{clinic.id} nobody",
    ]
    assert [e.target for e in _audit(db, "api.thread.close")] == [f"thread:{conversation}"]


@pytest.mark.parametrize("user_id", [True, "1", 1.0])
def test_an_assignee_is_a_whole_number_or_null_never_read_into_one(api, db, clinic, patient,
                                                                   user_id):  # fmt: skip
    _user(db, clinic)  # user 1 may exist: `true` must not become it
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    response = api.post(f"/api/v1/conversations/{conversation}/assign",
                        json={"user_id": user_id})  # fmt: skip
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "body.user_id"
    assert api.get(f"/api/v1/conversations/{conversation}").json()["assigned_user_id"] is None
    assert _audit(db, "api.thread.assign") == []


def test_closing_refuses_a_field_it_does_not_take(api, db, patient):
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    response = api.post(f"/api/v1/conversations/{conversation}/close", json={"reason": "x"})
    assert response.status_code == 422 and "reason" in response.json()["error"]["message"]
    assert api.get(f"/api/v1/conversations/{conversation}").json()["status"] == "open"
    closed = api.post(f"/api/v1/conversations/{conversation}/close", json={})
    assert closed.status_code == 200 and closed.json()["status"] == "done"


def test_a_cursor_of_one_filter_is_refused_with_another(api, db, clinic, patient):
    second = make_patient(db, clinic, phone="+12025550146", name="Bea")
    for someone in (patient, second):
        _send(api, someone, body="Hello")
    page = api.get("/api/v1/conversations", params={"status": "open", "limit": 1}).json()
    assert page["next_cursor"]
    following = {"status": "open", "limit": 1, "cursor": page["next_cursor"]}
    same = api.get("/api/v1/conversations", params=following)
    assert same.status_code == 200 and len(same.json()["items"]) == 1
    for other in ({"status": "done"}, {}, {"status": "open", "assignee": "none"}):
        refused = api.get("/api/v1/conversations", params={**other, "cursor": page["next_cursor"]})
        assert refused.status_code == 422, other
        assert "cursor belongs to another list" in refused.json()["error"]["message"]


def test_a_conversation_is_assigned_only_to_an_active_user_of_its_clinic(api, db, patient):
    stranger = _user(db, make_clinic(db, name="Harbor Clinic"), email="x@harbor.example.org")
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    response = api.post(f"/api/v1/conversations/{conversation}/assign",
                        json={"user_id": stranger.id})  # fmt: skip
    assert response.status_code == 422
    assert "active user of this clinic" in response.json()["error"]["message"]


def test_another_clinics_patient_and_conversations_are_404_and_never_listed(
    api, other_api, patient
):
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    asked = [
        other_api.post(f"/api/v1/patients/{patient.id}/messages", json={"body": "Hi"}),
        other_api.get(f"/api/v1/conversations/{conversation}"),
        other_api.post(f"/api/v1/conversations/{conversation}/assign", json={"user_id": None}),
        other_api.post(f"/api/v1/conversations/{conversation}/close"),
        api.get("/api/v1/conversations/999999"),
    ]
    for response in asked:
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    assert other_api.get("/api/v1/conversations").json()["items"] == []
    assert api.get(f"/api/v1/conversations/{conversation}").json()["status"] == "open"


def test_the_clinic_sets_how_conversations_run(api, db, clinic):
    settings = api.get("/api/v1/clinic/conversation-settings").json()
    assert settings == {"conversation_hours": 72, "conversation_renotify_minutes": 60}
    changed = api.patch("/api/v1/clinic/conversation-settings", json={"conversation_hours": 24})
    assert changed.json() == {"conversation_hours": 24, "conversation_renotify_minutes": 60}
    [entry] = _audit(db, "api.settings_changed")
    assert entry.detail == "conversation_hours"
    for bad, words in (
        ({"conversation_hours": 0}, "conversation_hours: a whole number of hours from 1 to 336"),
        ({"conversation_hours": 337}, "conversation_hours: a whole number of hours from 1 to 336"),
        ({"conversation_renotify_minutes": 4}, "a whole number of minutes from 5 to 1440"),
        ({"conversation_renotify_minutes": 1441}, "a whole number of minutes from 5 to 1440"),
    ):
        response = api.patch("/api/v1/clinic/conversation-settings", json=bad)
        assert response.status_code == 422 and words in response.json()["error"]["message"]
        [detail] = response.json()["error"]["details"]  # each field named, like other 422s
        assert detail["field"] == next(iter(bad)) and detail["message"] in words
    assert api.get("/api/v1/clinic/conversation-settings").json()["conversation_hours"] == 24


def test_a_new_conversation_lasts_the_hours_the_clinic_set(api, patient, clock):
    api.patch("/api/v1/clinic/conversation-settings", json={"conversation_hours": 6})
    conversation = _send(api, patient, body="Hello").json()["conversation_id"]
    routes_until = api.get(f"/api/v1/conversations/{conversation}").json()["routes_until"]
    assert datetime.fromisoformat(routes_until) == clock.now() + timedelta(hours=6)


def test_every_operation_is_in_the_openapi_schema_with_its_errors(api):
    paths = api.get("/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/patients/{patient_id}/messages", "post"): {"201", "401", "404", "409", "422"},
        ("/api/v1/conversations", "get"): {"200", "401", "422"},
        ("/api/v1/conversations/{conversation_id}", "get"): {"200", "401", "404"},
        ("/api/v1/conversations/{conversation_id}/assign", "post"): {"200", "404", "422"},
        ("/api/v1/conversations/{conversation_id}/close", "post"): {"200", "404", "409", "422"},
        ("/api/v1/clinic/conversation-settings", "patch"): {"200", "401", "422"},
    }
    for (path, method), statuses in expected.items():
        operation = paths[path][method]
        assert statuses <= set(operation["responses"]), (path, method)
        assert operation["tags"] == ["conversations"]
    created = paths["/api/v1/patients/{patient_id}/messages"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("StaffMessageOut")


def test_a_text_names_the_alert_it_answers_and_never_another_clinics(
    api, other_api, db, twilio, patient
):
    from lupus_sms.alerts.models import Alert

    twilio.sms("I missed the check-in, sorry", from_=patient.phone_number.e164, to=CLINIC_NUMBER)
    twilio.sms("fever 39.4 and chills", from_=patient.phone_number.e164, to=CLINIC_NUMBER)
    flag = db.scalar(select(Alert).where(Alert.kind == "red_flag"))

    foreign = other_api.post(
        f"/api/v1/patients/{patient.id}/messages", json={"body": "Hi", "alert_id": flag.id}
    )
    answered = _send(api, patient, body="Please call the 24/7 line now.", alert_id=flag.id)
    unknown = _send(api, patient, body="Hello", alert_id=999_999)

    assert foreign.status_code == 404 and unknown.status_code == 404
    assert answered.status_code == 201, answered.text
    db.expire_all()
    assert flag.status == "open"  # a red flag is acknowledged as such, by a person
    [entry] = _audit(db, "api.thread.message")
    assert "closed alert:" in entry.detail  # the review item of the first text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("messages", {"body": "Hi", "alert_id": True}),
        ("messages", {"body": "Hi", "alert_id": "18"}),
        ("messages", {"body": "Hi", "urgent": "yes"}),
        ("messages", {"body": "Hi", "seen_version": 1.0}),
        ("settings", {"conversation_hours": True}),
        ("settings", {"conversation_hours": "72"}),
        ("settings", {"conversation_renotify_minutes": 60.0}),
    ],
)
def test_values_are_taken_as_typed_never_read_into_another_type(
    api, db, clinic, patient, path, body
):
    if path == "messages":
        response = _send(api, patient, **body)
    else:
        response = api.patch("/api/v1/clinic/conversation-settings", json=body)
    assert response.status_code == 422, response.text
    db.expire_all()
    assert clinic.conversation_hours == 72
    assert db.scalar(select(AuditEntry).where(AuditEntry.action.like("api.%"))) is None
