"""Every /api/v1 route: no key is a 401, another clinic's ids are a 404, lists stay private.

The test walks `app.routes`, so a new route is checked the day it is added. A route with a
new path parameter fails here until `OTHER_CLINIC_IDS` learns to make one for the other
clinic: add a factory `(db, clinic, patient) -> id` below (and, if the route checks its
body before loading the object, a valid body to VALID_BODIES).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute

from lupus_sms.enrollment.models import Anchor
from tests.factories import auth_headers, make_clinic, make_patient

API_PREFIX = "/api/v1"
SECRET_NAME = "Zelda Otherclinic"
SECRET_PHONE = "+16175550177"


def _appointment(db, clinic, patient) -> int:
    anchor = Anchor(
        patient_id=patient.id,
        category="appointment",
        kind="consultation",
        at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC),
    )
    db.add(anchor)
    db.flush()
    return anchor.id


def _milestone(db, clinic, patient) -> int:
    anchor = Anchor(
        patient_id=patient.id,
        category="milestone",
        kind="infusion",
        at=datetime(2026, 6, 1, 4, 0, tzinfo=UTC),
        all_day=True,
    )
    db.add(anchor)
    db.flush()
    return anchor.id


def _alert(db, clinic, patient) -> int:
    from lupus_sms.alerts.models import Alert

    alert = Alert(
        clinic_id=clinic.id, patient_id=patient.id, kind="red_flag", priority="high",
        text=SECRET_NAME,
    )  # fmt: skip
    db.add(alert)
    db.flush()
    return alert.id


def _conversation(db, clinic, patient) -> int:
    from sqlalchemy import select

    from lupus_sms.threads.models import Thread

    # One conversation per patient: every route asks for the same one.
    thread = db.scalar(select(Thread).where(Thread.patient_id == patient.id))
    if thread is None:
        thread = Thread(clinic_id=clinic.id, patient_id=patient.id, status="open")
        db.add(thread)
        db.flush()
    return thread.id


OTHER_CLINIC_IDS: dict[str, Callable] = {
    "patient_id": lambda db, clinic, patient: patient.id,
    "appointment_id": _appointment,
    "milestone_id": _milestone,
    "alert_id": _alert,
    "conversation_id": _conversation,
}


# A valid body for routes that check their body before they load the object (so a 422 would
# come first); every other route is sent `{}`.
VALID_BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): {"by": "Nurse Kim"},
    ("POST", "/api/v1/conversations/{conversation_id}/assign"): {"user_id": None},
}


def api_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every /api/v1 route, included routers flattened."""
    found = []
    for route in _flat_routes(app):
        if route.path and route.path.startswith(API_PREFIX) and route.methods:
            found += [(method, route.path) for method in sorted(route.methods)]
    assert found, "no /api/v1 routes found"
    return found


def _flat_routes(app):
    # FastAPI >= 0.16x keeps included routers nested in app.routes; iter_route_contexts
    # flattens them (with the prefix applied). Older versions list APIRoutes directly.
    iterate = getattr(fastapi_routing, "iter_route_contexts", None)
    if iterate is not None:
        return [ctx for ctx in iterate(app.routes) if isinstance(ctx.original_route, APIRoute)]
    return [route for route in app.routes if isinstance(route, APIRoute)]


@pytest.fixture
def other(db):
    """Another clinic with a patient (and whatever else routes take ids of)."""
    clinic = make_clinic(db, name="Other Clinic")
    patient = make_patient(db, clinic, phone=SECRET_PHONE, name=SECRET_NAME)
    return clinic, patient


def _fill(path: str, ids: dict[str, int]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in ids:
            pytest.fail(f"{path}: add a factory for {{{name}}} to OTHER_CLINIC_IDS")
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _other_ids(db, path_params, other) -> dict[str, int]:
    clinic, patient = other
    return {
        name: OTHER_CLINIC_IDS[name](db, clinic, patient)
        for name in path_params
        if name in OTHER_CLINIC_IDS
    }


def test_every_api_route_needs_a_key(app, client, db, other):
    for method, path in api_routes(app):
        names = re.findall(r"\{(\w+)", path)
        url = _fill(path, _other_ids(db, names, other))
        response = client.request(method, url)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == "unauthorized"


def test_another_clinics_ids_are_404_on_every_route(app, client, db, other):
    mine = make_clinic(db, name="My Clinic")
    make_patient(db, mine, phone="+12025550111")
    headers = auth_headers(db, mine)
    for method, path in api_routes(app):
        names = re.findall(r"\{(\w+)", path)
        if not names:
            continue
        url = _fill(path, _other_ids(db, names, other))
        body = VALID_BODIES.get((method, path), {})
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == "not_found"
        # Indistinguishable from an id that does not exist (no existence oracle).
        missing = _fill(path, {name: 999_999_999 for name in names})
        absent = client.request(method, missing, headers=headers, json=body)
        assert absent.status_code == 404, f"{method} {path}"
        assert _shape(absent.json()) == _shape(response.json()), f"{method} {path}"


def _shape(body: dict) -> tuple:
    return body["error"]["code"], re.sub(r"\d+", "N", body["error"]["message"])


def test_lists_never_show_another_clinics_data(app, client, db, other):
    mine = make_clinic(db, name="My Clinic")
    make_patient(db, mine, phone="+12025550111")
    headers = auth_headers(db, mine)
    for method, path in api_routes(app):
        if method != "GET" or "{" in path:
            continue
        response = client.get(path, headers=headers)
        assert response.status_code == 200, f"GET {path}: {response.text}"
        assert SECRET_NAME not in response.text and SECRET_PHONE not in response.text, path
