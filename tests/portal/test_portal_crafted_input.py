"""Crafted positions in the portal's paged views are a 4xx page, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import make_clinic, make_patient


@pytest.mark.parametrize(
    "before",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2026-03-10T15:00:00",
        "not a time",
        "2026-03-10T15:00:00+99:00",
    ],
)
def test_a_crafted_timeline_position_in_the_portal_is_a_4xx(db, portal_client, before):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    nurse = portal_client(clinic, "nurse")
    response = nurse.get(f"/portal/patients/{patient.id}", params={"before": before})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("after", ["0", "-1", str(2**40), "abc", "1.5"])
def test_a_crafted_patient_list_position_in_the_portal_is_a_4xx(db, portal_client, after):
    nurse = portal_client(make_clinic(db), "nurse")
    response = nurse.get("/portal/patients", params={"after": after})
    assert 400 <= response.status_code < 500
