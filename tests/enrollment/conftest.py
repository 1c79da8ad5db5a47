"""Fixtures for the patients API: a clinic, its API client, and a second clinic."""

from __future__ import annotations

import pytest

from tests.factories import auth_headers, make_clinic


@pytest.fixture
def clinic(db):
    # No diagnosis in its name: discreet texts and the invitation carry the name as it is.
    return make_clinic(db, name="Riverside Health Clinic")


@pytest.fixture
def other_clinic(db):
    return make_clinic(db, name="Lakeside Clinic", timezone="America/Chicago")


@pytest.fixture
def api(client, db, clinic):
    """The test client, authorised as `clinic`."""
    client.headers.update(auth_headers(db, clinic))
    return client


def enrol(api, **fields):
    body = {"phone": "(202) 555-0123", "consent_source": "in_person", "program": "ahsct"}
    response = api.post("/api/v1/patients", json=body | fields)
    assert response.status_code in (200, 201), response.text
    return response.json()
