"""Portal sign-in, sessions, CSRF, invitations and the wall between the portal and the admin."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.audit.models import AuditEntry
from lupus_sms.users import service as users
from tests.factories import make_clinic, make_patient
from tests.portal.conftest import PASSWORD

NEW_PASSWORD = "a brand new long passphrase"


def _actions(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _invite(admin, email: str, role: str = "nurse") -> str:
    page = admin.post("/portal/users", {"email": email, "role": role})
    assert page.status_code == 200, page.text[:500]
    return re.search(r'id="secret">https://sms\.example\.test(/portal/invite/[^<]+)<', page.text)[1]


def test_a_clinic_user_signs_in_and_lands_on_patients(db, portal_user, new_browser):
    clinic = make_clinic(db)
    user = portal_user(clinic, "nurse")
    browser = new_browser()

    response = browser.login(user.email.upper())

    assert response.status_code == 303
    assert response.headers["location"] == "/portal/patients"
    cookie = response.headers["set-cookie"]
    assert "Path=/portal" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower()
    assert browser.get("/portal").headers["location"] == "/portal/patients"
    assert _actions(db, "portal.login")[0].actor == user.email


def test_wrong_password_is_refused_and_audited(db, portal_user, new_browser):
    user = portal_user(make_clinic(db), "coordinator")
    browser = new_browser()

    response = browser.login(user.email, "not the password at all")

    assert response.status_code == 401
    assert "wrong email or password" in response.text
    assert [e.actor for e in _actions(db, "portal.login_failed")] == [user.email]
    assert browser.get("/portal/settings").headers["location"] == "/portal/login"


def test_signing_in_needs_the_csrf_token(db, portal_user, new_browser):
    user = portal_user(make_clinic(db), "coordinator")
    browser = new_browser()
    browser.csrf()  # has the cookie, but does not send the token

    response = browser.client.post(
        "/portal/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )

    assert response.status_code == 403
    assert "expired" in response.text


def test_state_changes_need_the_csrf_token(db, portal_client):
    admin = portal_client(make_clinic(db), "clinic_admin")

    forged = admin.client.post(
        "/portal/users", data={"email": "x@example.org", "role": "nurse", "csrf_token": "forged"}
    )

    assert forged.status_code == 403
    assert "x@example.org" not in admin.get("/portal/users").text


def test_pages_redirect_to_sign_in_and_send_the_security_headers(client):
    response = client.get("/portal/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/login"
    login = client.get("/portal/login")
    assert "script-src 'self'" in login.headers["content-security-policy"]
    assert login.headers["x-frame-options"] == "DENY"
    assert "style=" not in login.text and "<script>" not in login.text


def test_an_admin_cannot_sign_in_to_the_portal_nor_a_clinic_user_to_the_admin(
    db, portal_user, new_browser
):
    users.create(db, email="owner@example.org", password=PASSWORD, role="owner")
    clinic_user = portal_user(make_clinic(db), "clinic_admin")
    browser = new_browser()

    assert browser.login("owner@example.org").status_code == 401
    token = browser.client.get("/admin/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', token)[1]
    admin_login = browser.client.post(
        "/admin/login",
        data={"email": clinic_user.email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert admin_login.status_code == 401


def test_the_portal_session_does_not_open_the_admin_and_vice_versa(
    db, portal_client, admin_browser
):
    portal = portal_client(make_clinic(db), "clinic_admin")
    admin = admin_browser()

    assert portal.client.get("/admin/dashboard", follow_redirects=False).status_code == 303
    from_admin = admin.client.get("/portal/settings", follow_redirects=False)
    assert from_admin.headers["location"] == "/portal/login"


def test_sign_out_ends_the_session_and_is_audited(db, portal_client, admin_browser):
    nurse = portal_client(make_clinic(db), "nurse")
    assert nurse.post("/portal/logout").headers["location"] == "/portal/login"
    assert nurse.get("/portal/alerts").headers["location"] == "/portal/login"
    log = admin_browser().get("/admin/audit?action=portal.logout").text
    assert f"<td>{nurse.user.email}</td><td>portal.logout</td><td>user:{nurse.user.id}</td>" in log


def test_an_invitation_sets_the_password_once(db, portal_client, new_browser):
    admin = portal_client(make_clinic(db), "clinic_admin")
    path = _invite(admin, "New.Nurse@Example.org")
    invitee = new_browser()

    assert invitee.login("new.nurse@example.org", "").status_code == 401
    form = invitee.get(path)
    assert form.status_code == 200 and "new.nurse@example.org" in form.text
    differ = invitee.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "differ" in differ.text
    short = invitee.post(path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "12 characters" in short.text
    done = invitee.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 200 and "Password set" in done.text

    assert invitee.login("new.nurse@example.org", NEW_PASSWORD).status_code == 303
    again = new_browser().post(path, {"password": "another password 123", "confirm": "x"})
    assert again.status_code == 404
    assert new_browser().get(path).status_code == 404


def test_an_invitation_expires_after_seven_days(db, portal_client, new_browser, clock):
    admin = portal_client(make_clinic(db), "clinic_admin")
    path = _invite(admin, "late@example.org")

    clock.at += timedelta(days=7, minutes=1)

    invitee = new_browser()
    assert invitee.get(path).status_code == 404
    late = invitee.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert late.status_code == 404 and "expired" in late.text


def test_an_admin_reset_token_is_no_portal_link(db, new_browser, clock):
    owner = users.create(db, email="owner@example.org", password=None, role="owner")
    token = users.issue_reset_token(db, user=owner, now=clock.now())
    db.commit()

    assert new_browser().get(f"/portal/reset/{token}").status_code == 404
    assert new_browser().get(f"/portal/invite/{token}").status_code == 404


def test_a_portal_invitation_is_no_admin_reset_link(db, portal_client, new_browser):
    admin = portal_client(make_clinic(db), "clinic_admin")
    token = _invite(admin, "invitee@example.org").rsplit("/", 1)[1]

    assert new_browser().client.get(f"/admin/reset/{token}").status_code == 404


def test_a_deactivated_user_loses_their_session_at_once(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    nurse = portal_client(clinic, "nurse")
    assert nurse.get("/portal/login").status_code == 200

    response = admin.post(f"/portal/users/{nurse.user.id}/active", {"active": "false"})

    assert response.status_code == 303
    assert nurse.get("/portal/alerts").headers["location"] == "/portal/login"
    assert nurse.login(nurse.user.email).status_code == 401


def test_every_page_shows_the_open_alert_count_of_its_own_clinic(db, portal_client, clock):
    clinic_a, clinic_b = make_clinic(db), make_clinic(db, name="Harbor Clinic")
    patient = make_patient(db, clinic_a)
    for status in ("open", "open", "acknowledged"):
        db.add(
            Alert(
                clinic_id=clinic_a.id,
                patient_id=patient.id,
                kind="red_flag",
                status=status,
                priority="high",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    db.commit()
    admin_a = portal_client(clinic_a, "clinic_admin")
    admin_b = portal_client(clinic_b, "clinic_admin")

    badge = re.compile(r'id="open-alert-count"[^>]*>(\d+)<')
    assert badge.search(admin_a.get("/portal/settings").text)[1] == "2"
    assert badge.search(admin_a.get("/portal/keys").text)[1] == "2"
    assert badge.search(admin_b.get("/portal/settings").text)[1] == "0"
