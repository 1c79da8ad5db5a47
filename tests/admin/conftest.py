"""Admin test helpers: an HTTPS client (the session cookie is Secure) and signed-in users."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lupus_sms.users import service as users

PASSWORD = "correct horse battery staple"


class AdminClient:
    def __init__(self, client: TestClient):
        self.client = client

    def csrf(self, path: str = "/admin/login") -> str:
        page = self.client.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, page.text[:500]
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):
        token = self.csrf()
        return self.client.post(
            "/admin/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )

    def post(self, path: str, data: dict | None = None, *, page: str = "/admin/dashboard"):
        token = self.csrf(page)
        return self.client.post(
            path, data={**(data or {}), "csrf_token": token}, follow_redirects=False
        )

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)


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
