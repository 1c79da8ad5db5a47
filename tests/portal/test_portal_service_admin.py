"""A service admin opens a clinic's portal from the console: audited, re-checked every request."""

from __future__ import annotations

import re

from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from tests.factories import make_clinic


def _entries(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_owner_opens_a_clinics_portal_and_every_change_is_audited(db, admin_browser):
    clinic = make_clinic(db, name="Harbor Clinic")
    owner = admin_browser()
    assert f"/admin/clinics/{clinic.id}/portal" in owner.get("/admin/clinics").text

    opened = owner.post(f"/admin/clinics/{clinic.id}/portal", page="/admin/clinics")

    assert opened.status_code == 303 and opened.headers["location"] == "/portal/patients"
    assert "Path=/portal" in opened.headers["set-cookie"]
    [entry] = _entries(db, "portal.opened")
    assert (entry.actor, entry.target) == ("owner@example.org", f"clinic:{clinic.id}")
    page = owner.get("/portal/users")
    assert page.status_code == 200
    assert "Viewing Harbor Clinic as service admin" in page.text

    invite = owner.client.post(
        "/portal/users",
        data={
            "email": "coord@example.org",
            "role": "coordinator",
            "csrf_token": _portal_token(owner, "/portal/users"),
        },
    )
    assert invite.status_code == 200
    [invited] = _entries(db, "portal.user_invited")
    assert invited.actor == "owner@example.org (service admin)"
    created = db.scalar(select(User).where(User.email == "coord@example.org"))
    assert created.clinic_id == clinic.id


def _portal_token(admin, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', admin.get(path).text)[1]


def test_only_owners_may_open_a_portal(db, admin_browser):
    clinic = make_clinic(db)
    editor = admin_browser("editor@example.org", "editor")

    response = editor.post(f"/admin/clinics/{clinic.id}/portal", page="/admin/dashboard")

    assert response.status_code == 403
    assert _entries(db, "portal.opened") == []
    assert editor.get("/portal/settings", follow_redirects=False).status_code == 303


def test_an_unknown_clinic_cannot_be_opened(db, admin_browser):
    owner = admin_browser()
    assert owner.post("/admin/clinics/999999/portal", page="/admin/clinics").status_code == 404


def test_the_admin_is_rechecked_on_every_portal_request(db, admin_browser):
    clinic = make_clinic(db)
    owner = admin_browser()
    owner.post(f"/admin/clinics/{clinic.id}/portal", page="/admin/clinics")
    assert owner.get("/portal/settings").status_code == 200

    account = db.scalar(select(User).where(User.email == "owner@example.org"))
    users.create(db, email="other.owner@example.org", password=None, role="owner")
    users.set_role(db, user=account, role="editor")  # no longer allowed to open portals
    db.commit()

    response = owner.get("/portal/settings", follow_redirects=False)
    assert response.headers["location"] == "/portal/login"
