"""Bad input in a console's addresses and forms gets the console's own error page with the
message (404 for an address naming nothing, 422 for a field too long), never FastAPI's JSON."""

from __future__ import annotations

import pytest

from tests.factories import make_clinic, make_patient


def _is_page(response) -> bool:
    return response.headers["content-type"].startswith("text/html") and "<html" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/portal/patients/abc",
        "/portal/patients/1.5/unenroll",
        "/portal/patients/abc/appointments/x/move",
    ],
)
def test_a_non_integer_id_in_a_portal_address_is_the_404_page(db, portal_client, path):
    nurse = portal_client(make_clinic(db), "nurse")
    response = nurse.get(path)
    assert response.status_code == 404
    assert _is_page(response) and "an id is a whole number" in response.text


def test_an_over_long_portal_form_field_is_the_422_page(db, portal_client):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    nurse = portal_client(clinic, "nurse")

    response = nurse.post(
        f"/portal/patients/{patient.id}/appointments",
        {"starts_at": "2026-05-01T10:00", "kind": "visit", "location": "x" * 401},
    )

    assert response.status_code == 422
    assert _is_page(response)
    assert "location: String should have at most 400 characters" in response.text


def test_an_over_long_portal_sign_in_email_is_the_422_page(new_browser):
    browser = new_browser()
    response = browser.post("/portal/login", {"email": "a" * 300, "password": "whatever it is"})
    assert response.status_code == 422 and _is_page(response)
    assert "email: String should have at most 254 characters" in response.text


def test_admin_validation_errors_are_its_own_pages(db, admin_browser):
    owner = admin_browser()
    malformed = owner.get("/admin/users/abc/unknown")
    assert malformed.status_code in (404, 405) and _is_page(malformed)
    over_long = owner.post("/admin/users", {"email": "a" * 300, "role": "editor"},
                           page="/admin/users")  # fmt: skip
    assert over_long.status_code == 422 and _is_page(over_long)
    assert "email: String should have at most 254 characters" in over_long.text


def test_an_unknown_portal_address_is_the_404_page(db, portal_client):
    nurse = portal_client(make_clinic(db), "nurse")
    response = nurse.get("/portal/no-such-page")
    assert response.status_code == 404 and _is_page(response)


HUGE = "99999999999999999999999"  # no id column holds it: it must not reach the driver


@pytest.mark.parametrize(
    "path",
    [f"/portal/users/{HUGE}/link", f"/portal/users/{HUGE}/active", f"/portal/patients/{HUGE}"],
)
def test_an_id_out_of_range_in_a_portal_address_is_the_404_page(db, portal_client, path):
    admin = portal_client(make_clinic(db), "clinic_admin")
    response = admin.get(path) if path.endswith(HUGE) else admin.post(path, {})
    assert response.status_code == 404 and _is_page(response)


@pytest.mark.parametrize(
    "path",
    [f"/admin/users/{HUGE}/deactivate", f"/admin/clinics/{HUGE}/keys", f"/admin/patients/{HUGE}"],
)
def test_an_id_out_of_range_in_an_admin_address_is_the_404_page(db, admin_browser, path):
    owner = admin_browser()
    if path.startswith("/admin/patients"):
        response = owner.get(path)
    else:
        response = owner.post(path, {}, page="/admin/users")
    assert response.status_code == 404 and _is_page(response)
