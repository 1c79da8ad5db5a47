"""Sign-in tests run against both consoles: the admin (/admin, admin users) and the clinic
portal (/portal, clinic users). `console` is parametrised; each test gets accounts and
browsers (independent HTTPS clients, each with its own client address) of that console."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.factories import make_clinic
from tests.helpers import PASSWORD, ConsoleBrowser

WRONG = "not the password at all"
_addresses = itertools.count(10)


class Browser(ConsoleBrowser):
    """One browser of a console, from one client address."""

    def __init__(self, client: TestClient, console: Console):
        super().__init__(client)
        self.console = console.path
        self.default_page = console.home

    def get(self, path: str, **kwargs):
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(path, **kwargs)

    def signed_in(self) -> bool:
        return self.get(self.default_page).status_code == 200

    def page_token(self, path: str | None = None) -> str:
        page = self.get(path or self.default_page)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


@dataclass
class Console:
    name: str  # "admin" or "portal"
    db: object
    app: object
    clients: list = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/{self.name}"

    @property
    def home(self) -> str:
        return "/admin/dashboard" if self.name == "admin" else "/portal/patients"

    @property
    def session_cookie(self) -> str:
        return f"lupus_{self.name}_session"

    @property
    def csrf_cookie(self) -> str:
        return f"lupus_{self.name}_csrf"

    def account(self, email: str, *, active: bool = True, role: str | None = None) -> User:
        """An account of this console (an owner, or a clinic admin), hashed at the current
        cost: inside a `real_password_cost` test, the production one."""
        clinic_id = None if self.name == "admin" else make_clinic(self.db).id
        role = role or ("owner" if self.name == "admin" else "clinic_admin")
        user = User(email=email, password_hash=hash_password(PASSWORD), role=role,
                    clinic_id=clinic_id, is_active=active)  # fmt: skip
        self.db.add(user)
        self.db.commit()
        return user

    def browser(self, address: str | None = None) -> Browser:
        address = address or f"198.51.100.{next(_addresses)}"
        client = TestClient(
            self.app, base_url="https://testserver", raise_server_exceptions=False,
            client=(address, 50000),
        )  # fmt: skip
        self.clients.append(client)
        return Browser(client, self)

    def signed_in_browser(self, email: str, password: str = PASSWORD, **kwargs) -> Browser:
        browser = self.browser(**kwargs)
        response = browser.login(email, password)
        assert response.status_code == 303, response.text[:300]
        return browser

    def audit_actions(self) -> list[str]:
        return list(self.db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture(params=["admin", "portal"])
def console(request, db, app):
    kit = Console(request.param, db, app)
    yield kit
    for client in kit.clients:
        client.close()
