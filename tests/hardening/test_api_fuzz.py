"""Fuzz every /api/v1 operation from the app's own OpenAPI schema, authenticated as a clinic:
no 500 and every response matches the schema."""

from __future__ import annotations

import base64
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from schemathesis import checks

from tests.factories import auth_headers, make_clinic, make_patient


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def clinic_headers(db) -> dict[str, str]:
    clinic = make_clinic(db)
    make_patient(db, clinic)  # so that some generated ids find a row
    return auth_headers(db, clinic)


# Conformance of what the API answers. Left out: whether each schema-valid value is accepted
# (time zones, cursors and phone numbers are checked beyond what a schema can say) and the
# Allow header of 405s (FastAPI lists only the first matching route's methods).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
api = schemathesis.pytest.from_fixture("api_schema").include(path_regex=r"^/api/v1/")


@api.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operations_never_fail_and_match_the_schema(case, clinic_headers):
    case.call_and_validate(headers=clinic_headers, checks=CHECKS)


# Cursors: every list operation of the schema, with cursors a client could craft: any text,
# base64 JSON of any value (the shape cursors once had), positions signed with another key.
def _base64_json(value) -> str:
    raw = json.dumps({"k": value}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
CRAFTED_CURSORS = st.one_of(
    st.text(max_size=200),
    _JSON.map(_base64_json),
    st.lists(st.integers(), min_size=1, max_size=3).map(
        lambda position: URLSafeSerializer("not-our-secret", salt="lupus-cursor").dumps(position)
    ),
).filter(lambda cursor: len(cursor) <= 200)


def list_paths(app, patient_id: int) -> list[str]:
    """Every GET operation of the schema that takes a cursor, on an existing patient."""
    paths = app.openapi()["paths"]
    return [
        path.replace("{patient_id}", str(patient_id))
        for path, operations in paths.items()
        if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    ]


@pytest.fixture
def listed(app, client, db):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    client.headers.update(auth_headers(db, clinic))
    paths = list_paths(app, patient.id)
    assert len(paths) >= 6 and all("{" not in path for path in paths)
    return client, paths


@given(data=st.data(), cursor=CRAFTED_CURSORS)
@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_crafted_cursors_are_a_422_on_every_list(listed, data, cursor):
    client, paths = listed
    path = data.draw(st.sampled_from(paths))
    response = client.get(path, params={"cursor": cursor})
    assert response.status_code == 422, (path, cursor, response.text[:300])
