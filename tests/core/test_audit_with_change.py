"""Every change made in the admin console or the clinic portal commits with its audit entry.

For every POST route of /admin and /portal (walked from `app.routes`, so a new one fails
here until it is listed), a valid request is made twice on a database of its own: first
while the audit write fails, which must answer 500 and leave every table exactly as it was;
then normally, which must make the change and add its audit entry. Pages that identify
patients are audited views and are held to the same rule. A route that changes nothing is
listed in CHANGES_NOTHING.
"""

from __future__ import annotations

import pytest
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from sqlalchemy import event, func, select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.clinics.service import create_clinic
from lupus_sms.core.db import Base
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.core.console_changes import CASES, CHANGES_NOTHING, Case, World
from tests.helpers import PASSWORD


def console_changes(app) -> list[tuple[str, str]]:
    """Every POST of /admin and /portal."""
    iterate = getattr(fastapi_routing, "iter_route_contexts", None)
    if iterate is not None:
        routes = [ctx for ctx in iterate(app.routes) if isinstance(ctx.original_route, APIRoute)]
    else:
        routes = [route for route in app.routes if isinstance(route, APIRoute)]
    return [
        ("POST", route.path)
        for route in routes
        if "POST" in route.methods and route.path.split("/")[1] in ("admin", "portal")
    ]


# A sign-in counts the attempt in a transaction of its own before the password is checked
# (users/signin.py), on purpose: an error later on must not undo the count. It is no change
# with an audit entry, so the comparison leaves it out.
COUNTED_BEFORE_THE_CHECK = frozenset({"login_throttles"})


def snapshot(live) -> dict[str, list]:
    with live.engine.connect() as connection:
        return {
            table.name: sorted(map(repr, connection.execute(select(table)).all()))
            for table in Base.metadata.sorted_tables
            if table.name not in COUNTED_BEFORE_THE_CHECK
        }


def audit_count(live) -> int:
    with live.session() as db:
        return db.scalar(select(func.count()).select_from(AuditEntry))


class FailingAudit:
    """While on, writing an audit entry fails, as a full disk or a lost connection would."""

    def __init__(self, engine):
        self.engine, self.on = engine, False
        event.listen(engine, "before_cursor_execute", self._refuse)

    def _refuse(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on and statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise RuntimeError("the audit log cannot be written")

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


@pytest.fixture
def world(live) -> World:
    with live.session() as db:
        clinic = create_clinic(
            db,
            name="Audit Clinic",
            office_phone="+16175550100",
            urgent_phone="+16175550199",
            timezone="America/New_York",
        )
        db.add(
            User(
                email="clinic_admin@walk.example.org",
                password_hash=hash_password(PASSWORD),
                role="clinic_admin",
                clinic_id=clinic.id,
            )
        )
        users.create(db, email="owner@example.org", password=PASSWORD, role="owner")
        db.commit()
        return World(clinic.id)


def _browsers(live, world: World) -> dict[str, object]:
    admin = live.signed_in("/admin", "owner@example.org")
    assert admin.get("/admin/content").status_code == 200  # puts the shipped content live
    service_admin = live.signed_in("/admin", "owner@example.org")
    service_admin.post(f"/admin/clinics/{world.clinic_id}/portal", follow_redirects=False)
    return {
        "admin": admin,
        "portal": live.signed_in("/portal", "clinic_admin@walk.example.org"),
        "service_admin": service_admin,
    }


def _client_for(live, browsers, case: Case, world: World):
    if case.who.startswith("own_"):
        return live.signed_in("/" + case.who.removeprefix("own_"), world.own_account), None
    if case.who == "admin_login":
        return live.with_csrf("/admin"), "/admin/login"
    if case.who == "portal_login":
        return live.with_csrf("/portal"), "/portal/login"
    return browsers.get(case.who), None


def test_every_console_change_commits_with_its_audit_entry(live, world):
    app_routes = console_changes(live.app)
    unlisted = [r for r in app_routes if r not in CASES and r not in CHANGES_NOTHING]
    assert not unlisted, f"add these console routes to CASES or CHANGES_NOTHING: {unlisted}"
    browsers = _browsers(live, world)
    failing = FailingAudit(live.engine)
    try:
        for (method, path), case in CASES.items():
            _check(live, browsers, failing, world, method, path, case)
    finally:
        failing.remove()


def _check(live, browsers, failing, world, method, path, case) -> None:
    with live.session() as db:
        url, data, files = case.prepare(db, world)
        db.commit()
    client, login_url = _client_for(live, browsers, case, world)
    url = login_url or url
    if case.who == "nobody":  # a one-time link: the browser has its console's CSRF cookie only
        client = live.with_csrf("/" + url.split("/")[1])
    before = snapshot(live)
    failing.on = True
    try:
        refused = client.request(method, url, data=data, files=files, follow_redirects=False)
    finally:
        failing.on = False
    assert refused.status_code == 500, (
        f"{method} {path}: {refused.status_code} {refused.text[:200]}"
    )
    assert snapshot(live) == before, f"{method} {path}: a change was kept without its audit entry"
    audited = audit_count(live)
    if case.who.endswith("_login"):
        client = live.with_csrf(login_url.rsplit("/", 1)[0])
    done = client.request(method, url, data=data, files=files, follow_redirects=False)
    assert done.status_code < 400, f"{method} {path}: {done.status_code} {done.text[:300]}"
    assert audit_count(live) > audited, f"{method} {path}: no audit entry"
