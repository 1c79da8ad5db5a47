"""The database becomes unavailable under a signed-in coordinator: the portal answers 503
with a page of its own that reloads itself, not a 500 or a stack trace."""

from __future__ import annotations

from lupus_sms.core.errors import UNAVAILABLE_MESSAGE
from tests.factories import make_clinic


def test_a_portal_page_answers_503_with_a_page_that_reloads(db, portal_client, request):
    browser = portal_client(make_clinic(db))
    assert browser.get("/portal/patients").status_code == 200
    request.getfixturevalue("database_down")

    response = browser.get("/portal/patients")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("text/html")
    assert UNAVAILABLE_MESSAGE in response.text and 'http-equiv="refresh"' in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text
