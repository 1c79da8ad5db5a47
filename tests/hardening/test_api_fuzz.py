"""Fuzz every /api/v1 operation from the app's own OpenAPI schema, authenticated as a clinic:
no 500 and every response matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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
