"""Admin test helpers: an HTTPS client (the session cookie is Secure) and signed-in users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lupus_sms.users import service as users
from tests.helpers import PASSWORD, ConsoleBrowser


class AdminClient(ConsoleBrowser):
    """An admin browser."""

    console = "/admin"
    default_page = "/admin/dashboard"


@pytest.fixture
def admin_http(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def make_user(db):
    def make(email: str, role: str = "owner"):
        user = users.create(db, email=email, password=PASSWORD, role=role)
        db.commit()
        return user

    return make


@pytest.fixture
def browser_for(app, make_user):
    """A new signed-in client per call: several people in one test."""
    clients = []

    def sign_in(email: str, role: str = "owner") -> AdminClient:
        make_user(email, role)
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        clients.append(client)
        admin = AdminClient(client)
        assert admin.login(email).status_code == 303
        return admin

    yield sign_in
    for client in clients:
        client.close()
