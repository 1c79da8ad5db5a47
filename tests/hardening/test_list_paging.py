"""Every API list pages the same way: `limit` from 1 to 200 (422 otherwise), and a cursor
that works only on the list and for the clinic it was handed to."""

from __future__ import annotations

import pytest

from tests.factories import auth_headers, make_clinic, make_patient
from tests.hardening.test_crafted_input import list_paths


@pytest.fixture
def api(client, db):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic, program="msc")
    client.headers.update(auth_headers(db, clinic))
    created = client.post(
        f"/api/v1/patients/{patient.id}/milestones",
        json={"kind": "treatment", "date": "2026-04-01"},
    )
    assert created.status_code == 201, created.text
    return client, clinic, patient


@pytest.mark.parametrize("limit", ["-5", "0", "201", "x", "1.5"])
def test_a_limit_out_of_range_is_a_422_on_every_list(api, limit):
    client, _clinic, patient = api
    answers = {path: client.get(path, params={"limit": limit}) for path in list_paths(patient.id)}
    wrong = {path: r.status_code for path, r in answers.items() if r.status_code != 422}
    assert wrong == {}
    schedule = answers[f"/api/v1/patients/{patient.id}/schedule"].json()
    assert "limit" in str(schedule)


def test_the_schedule_pages_in_due_order_until_every_item_is_read(api):
    client, _clinic, patient = api
    path = f"/api/v1/patients/{patient.id}/schedule"
    everything = client.get(path, params={"limit": 200}).json()
    assert everything["next_cursor"] is None and len(everything["items"]) >= 3

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(path, params=params)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in everything["items"]]


def test_a_cursor_of_another_list_is_a_clear_422(api, db):
    client, clinic, patient = api
    other = make_patient(db, clinic, phone="+16175552101", program="msc")
    client.post(f"/api/v1/patients/{other.id}/milestones", json={"kind": "treatment",
                "date": "2026-04-01"})  # fmt: skip
    cursor = client.get(f"/api/v1/patients/{patient.id}/schedule", params={"limit": 1}).json()[
        "next_cursor"
    ]
    assert cursor

    for path in (
        f"/api/v1/patients/{other.id}/schedule",  # the same list of another patient
        f"/api/v1/patients/{patient.id}/messages",
        "/api/v1/patients",
        "/api/v1/alerts",
    ):
        response = client.get(path, params={"cursor": cursor})
        assert response.status_code == 422, path
        assert "another list or clinic" in response.text, path


def test_a_cursor_of_another_clinic_is_a_clear_422(api, db):
    client, clinic, _patient = api
    make_patient(db, clinic, phone="+16175552102")
    cursor = client.get("/api/v1/patients", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    harbor = make_clinic(db, name="Harbor Clinic")
    for index in range(3):
        make_patient(db, harbor, phone=f"+1617555{2110 + index}")

    response = client.get(
        "/api/v1/patients", params={"cursor": cursor}, headers=auth_headers(db, harbor)
    )

    assert response.status_code == 422
    assert "another list or clinic" in response.text
