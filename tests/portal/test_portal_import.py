"""The portal's CSV upload: the `language` column, and the import's larger body allowance."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import PhoneNumber
from tests.factories import auth_headers, make_clinic

PAGE = "/portal/patients/import"
HEADER = "phone,consent_source,program,name,language\n"
SPANISH_INVITATION = "Le invitamos a recibir textos"
ENGLISH_INVITATION = "You are invited to get care texts"
SMALL_LIMIT = 1024  # the lowest body limit settings allow


@pytest.fixture
def clinic(db):
    return make_clinic(db)


@pytest.fixture
def small_body_limit(settings):
    """Set before the app is built (requested ahead of `coordinator`): every route but the
    imports refuses a body over 1 kB, so a few-kB file stands in for a 10 MB one."""
    settings.max_request_body_bytes = SMALL_LIMIT


@pytest.fixture
def coordinator(portal_client, clinic):
    return portal_client(clinic, "coordinator")


def _upload(browser, text: str):
    token = browser.csrf(PAGE)
    return browser.client.post(
        PAGE, data={"csrf_token": token}, files={"file": ("patients.csv", text, "text/csv")}
    )


def _rows(page: str) -> dict[str, tuple[str, str]]:
    """Line number: (result, patient link or error cell) of the result table."""
    found = re.findall(
        r'<tr class="result-(\w+)">\s*<td>(\d+)</td>\s*<td>\w+</td>\s*<td>(.*?)</td>\s*'
        r"<td>(.*?)</td>",
        page,
        re.S,
    )
    return {line: (result, link or error) for result, line, link, error in found}


def _patient_id(cell: str) -> int:
    return int(re.search(r"/portal/patients/(\d+)", cell).group(1))


def test_language_column_spanish_english_blank_and_refused(coordinator, clinic, client, db):
    text = HEADER + (
        "+12025550151,written,ahsct,Ana,es\n"
        "+12025550152,written,ahsct,Bo,fr\n"
        "+12025550153,written,ahsct,Cy,\n"
    )
    response = _upload(coordinator, text)
    assert response.status_code == 200
    assert "2 created, 0 updated, 0 unchanged, 1 failed." in response.text
    rows = _rows(response.text)
    assert rows["3"][0] == "error" and "language" in rows["3"][1]
    assert "&#39;en&#39; or &#39;es&#39;" in rows["3"][1]
    assert db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+12025550152")) is None
    assert db.scalar(select(func.count()).where(Patient.clinic_id == clinic.id)) == 2
    client.headers.update(auth_headers(db, clinic))
    for line, language, invitation in (("2", "es", SPANISH_INVITATION),
                                       ("4", "en", ENGLISH_INVITATION)):  # fmt: skip
        patient_id = _patient_id(rows[line][1])
        assert client.get(f"/api/v1/patients/{patient_id}").json()["language"] == language
        texts = client.get(f"/api/v1/patients/{patient_id}/messages").json()["items"]
        outbound = [text["body"] for text in texts if text["direction"] == "outbound"]
        assert len(outbound) == 1 and invitation in outbound[0]


def test_the_portal_import_takes_a_file_over_the_default_body_limit(
    small_body_limit, coordinator, clinic, db
):
    lines = [HEADER] + [f"+1617555{1000 + index},written,msc,Patient {index},es\n"
                        for index in range(60)]  # fmt: skip
    text = "".join(lines)
    assert len(text.encode()) > 2 * SMALL_LIMIT
    refused = coordinator.post(
        "/portal/patients/new", {"name": "x" * len(text)}, page="/portal/patients/new"
    )
    assert refused.status_code == 413  # the limit holds for the other portal routes
    response = _upload(coordinator, text)
    assert response.status_code == 200, response.text[:300]
    assert "60 created" in response.text
    assert db.scalar(select(func.count()).where(Patient.clinic_id == clinic.id)) == 60
