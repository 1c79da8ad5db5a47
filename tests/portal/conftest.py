"""Portal test helpers: clinic users and signed-in HTTPS clients (the session cookie is Secure)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lupus_sms.users import service as users
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.helpers import PASSWORD, ConsoleBrowser

_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose


class PortalClient(ConsoleBrowser):
    """A clinic portal browser."""

    console = "/portal"
    default_page = "/portal/login"


@pytest.fixture
def portal_user(db):
    """A factory: an active clinic user with the password PASSWORD."""
    counter = iter(range(1, 10_000))

    def make(clinic, role: str, email: str | None = None) -> User:
        email = email or f"{role}{next(counter)}.clinic{clinic.id}@example.org"
        user = User(email=email, password_hash=_PASSWORD_HASH, role=role, clinic_id=clinic.id)
        db.add(user)
        db.commit()
        return user

    return make


@pytest.fixture
def new_browser(app):
    """A factory of independent HTTPS clients, closed at the end of the test."""
    clients: list[TestClient] = []

    def make() -> PortalClient:
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        clients.append(client)
        return PortalClient(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def portal_client(portal_user, new_browser):
    """A factory: a signed-in client for a new user of `clinic` with `role`."""

    def sign_in(clinic, role: str = "coordinator") -> PortalClient:
        user = portal_user(clinic, role)
        browser = new_browser()
        assert browser.login(user.email).status_code == 303
        browser.user = user
        return browser

    return sign_in


@pytest.fixture
def admin_browser(db, app, new_browser):
    """A factory: a service admin (console user) signed in to /admin on its own client."""
    from tests.admin.conftest import AdminClient

    def sign_in(email: str = "owner@example.org", role: str = "owner") -> AdminClient:
        users.create(db, email=email, password=PASSWORD, role=role)
        db.commit()
        admin = AdminClient(new_browser().client)
        assert admin.login(email, PASSWORD).status_code == 303
        return admin

    return sign_in
