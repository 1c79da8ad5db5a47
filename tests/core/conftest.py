"""The real app on a database of its own, with real sessions: no shared test session, so what
a request leaves open (a transaction, a connection) stays visible to the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lupus_sms.core import db as db_module
from lupus_sms.core.clock import get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.migrations import upgrade
from lupus_sms.core.signed_cookies import CSRF_HEADER
from tests.helpers import PASSWORD


@dataclass
class LiveApp:
    """The app, its engine (the process's, as in production) and signed-in browsers."""

    app: object
    settings: Settings
    url: str
    clients: list[TestClient] = field(default_factory=list)

    @property
    def engine(self) -> Engine:
        return db_module.get_engine()

    def session(self) -> Session:
        return db_module.get_sessionmaker()()

    def browser(self) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver", raise_server_exceptions=False)
        self.clients.append(client)
        return client

    def with_csrf(self, console: str) -> TestClient:
        """A browser that has opened /admin or /portal's sign-in page, and sends the CSRF token
        it was given with every request."""
        client = self.browser()
        page = client.get(f"{console}/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.headers[CSRF_HEADER] = token
        return client

    def signed_in(self, console: str, email: str) -> TestClient:
        """A browser signed in to /admin or /portal."""
        client = self.with_csrf(console)
        form = {"email": email, "password": PASSWORD}
        answer = client.post(f"{console}/login", data=form, follow_redirects=False)
        assert answer.status_code == 303, answer.text[:300]
        # Signed in, the CSRF token is the session's own (core/signed_cookies.py).
        page = client.get(f"{console}/account")
        client.headers[CSRF_HEADER] = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        return client


@pytest.fixture
def live(cli_env, settings: Settings, clock, monkeypatch) -> Iterator[LiveApp]:
    from lupus_sms.main import create_app

    url = cli_env["DATABASE_URL"]
    upgrade(url)
    # Content is read once and kept: the content poll never runs between a test's requests.
    monkeypatch.setenv("CONTENT_REFRESH_SECONDS", "3600")
    get_settings.cache_clear()
    settings = settings.model_copy(update={"database_url": url, "content_refresh_seconds": 3600})
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_clock] = lambda: clock
    live_app = LiveApp(app, settings, url)
    yield live_app
    for client in live_app.clients:
        client.close()
