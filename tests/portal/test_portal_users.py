"""The users page: invitations, roles, deactivation, reset links, and who may use it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from tests.factories import make_clinic
from tests.portal.conftest import PASSWORD

CLINIC_ADMIN_PAGES = ("/portal/users", "/portal/settings", "/portal/keys")


def _user(db, email: str) -> User:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_coordinators_and_nurses_get_403_on_clinic_admin_pages(db, portal_client, role):
    clinic = make_clinic(db)
    person = portal_client(clinic, role)
    colleague = User(email="colleague@example.org", role="nurse", clinic_id=clinic.id)
    db.add(colleague)
    db.commit()

    for path in CLINIC_ADMIN_PAGES:
        page = person.get(path)
        assert page.status_code == 403, path
        assert "Your role does not allow this." in page.text
    posts = {
        "/portal/users": {"email": "sneaky@example.org", "role": "clinic_admin"},
        f"/portal/users/{colleague.id}/active": {"active": "false"},
        f"/portal/users/{colleague.id}/role": {"role": "clinic_admin"},
        f"/portal/users/{colleague.id}/link": {},
        "/portal/settings": {"office_phone": "+16175550111"},
        "/portal/keys": {"label": "mine"},
    }
    for path, data in posts.items():
        assert person.post(path, data).status_code == 403, path
    assert _user(db, "sneaky@example.org") is None
    assert _user(db, "colleague@example.org").is_active
    assert _user(db, "colleague@example.org").role == "nurse"
    # The navigation does not offer what the role cannot use.
    nav = person.get("/portal/login").text
    assert "/portal/settings" not in nav and "/portal/users" not in nav


def test_a_clinic_admin_invites_with_a_link_shown_once(db, portal_client):
    admin = portal_client(make_clinic(db), "clinic_admin")

    page = admin.post("/portal/users", {"email": "Coord@Example.org", "role": "coordinator"})

    assert page.status_code == 200
    link = re.search(r'id="secret">([^<]+)<', page.text)[1]
    assert link.startswith("https://sms.example.test/portal/invite/")
    listing = admin.get("/portal/users").text
    assert "coord@example.org" in listing and "invited" in listing
    assert link not in listing
    invited = _user(db, "coord@example.org")
    assert (invited.role, invited.clinic_id, invited.password_hash) == (
        "coordinator",
        admin.user.clinic_id,
        None,
    )
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "portal.user_invited"))
    assert entry.actor == admin.user.email and entry.target == f"user:{invited.id}"


def test_invitation_errors_are_4xx_with_a_clear_message(db, portal_client, portal_user):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    portal_user(make_clinic(db, name="Harbor Clinic"), "nurse", email="taken@example.org")

    duplicate = admin.post("/portal/users", {"email": "taken@example.org", "role": "nurse"})
    bad_role = admin.post("/portal/users", {"email": "x@example.org", "role": "owner"})
    bad_email = admin.post("/portal/users", {"email": "not-an-email", "role": "nurse"})
    # The same mailbox spelled with a trailing dot is not a second address.
    dotted = admin.post("/portal/users", {"email": "taken@example.org.", "role": "nurse"})

    assert duplicate.status_code == 409 and "cannot be invited" in duplicate.text
    assert bad_role.status_code == 422 and "role must be one of" in bad_role.text
    assert bad_email.status_code == 422 and "valid email" in bad_email.text
    assert dotted.status_code == 422 and "valid email" in dotted.text
    assert _user(db, "x@example.org") is None


def test_an_invitation_does_not_tell_whether_another_clinic_has_the_email(
    db, portal_client, portal_user
):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    portal_user(clinic, "nurse", email="ours@example.org")
    portal_user(make_clinic(db, name="Harbor Clinic"), "nurse", email="theirs@example.org")
    users.create(db, email="staff@example.org", password=PASSWORD, role="editor")
    db.commit()

    answers = [
        admin.post("/portal/users", {"email": email, "role": "nurse"})
        for email in ("ours@example.org", "theirs@example.org", "staff@example.org")
    ]

    assert {answer.status_code for answer in answers} == {409}
    refusals = {_error_of(answer.text) for answer in answers}
    assert len(refusals) == 1  # one answer wherever the email is taken
    [refusal] = refusals
    assert "cannot be invited" in refusal and "exist" not in refusal
    assert "Harbor" not in answers[1].text and "theirs@example.org" not in _listing(admin)


def _error_of(page: str) -> str:
    return html.unescape(page.split('class="error" role="alert">', 1)[1].split("</", 1)[0])


def _listing(admin) -> str:
    return admin.get("/portal/users").text


def test_roles_change_and_take_effect_on_the_next_request(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    nurse = portal_client(clinic, "nurse")
    assert nurse.get("/portal/settings").status_code == 403

    assert (
        admin.post(f"/portal/users/{nurse.user.id}/role", {"role": "clinic_admin"}).status_code
        == 303
    )

    assert nurse.get("/portal/settings").status_code == 200
    bad = admin.post(f"/portal/users/{nurse.user.id}/role", {"role": "owner"})
    assert bad.status_code == 422


def test_the_last_clinic_admin_cannot_demote_or_deactivate_themselves(db, portal_client):
    admin = portal_client(make_clinic(db), "clinic_admin")

    demote = admin.post(f"/portal/users/{admin.user.id}/role", {"role": "nurse"})
    leave = admin.post(f"/portal/users/{admin.user.id}/active", {"active": "false"})

    assert demote.status_code == 409 and "last active clinic admin" in demote.text
    assert leave.status_code == 409
    assert _user(db, admin.user.email).role == "clinic_admin"
    assert _user(db, admin.user.email).is_active


def test_with_a_second_clinic_admin_one_may_step_down(db, portal_client):
    clinic = make_clinic(db)
    first = portal_client(clinic, "clinic_admin")
    portal_client(clinic, "clinic_admin")

    assert first.post(f"/portal/users/{first.user.id}/role", {"role": "nurse"}).status_code == 303
    assert first.get("/portal/users").status_code == 403


def test_deactivated_users_can_be_reactivated(db, portal_client, portal_user, new_browser):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    nurse = portal_user(clinic, "nurse")
    admin.post(f"/portal/users/{nurse.id}/active", {"active": "false"})
    assert "deactivated" in admin.get("/portal/users").text
    assert new_browser().login(nurse.email).status_code == 401

    assert admin.post(f"/portal/users/{nurse.id}/active", {"active": "true"}).status_code == 303

    assert new_browser().login(nurse.email).status_code == 303


def test_a_reset_link_replaces_the_password(db, portal_client, portal_user, new_browser):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    nurse = portal_user(clinic, "nurse")

    page = admin.post(f"/portal/users/{nurse.id}/link")

    link = re.search(r'id="secret">https://sms\.example\.test(/portal/reset/[^<]+)<', page.text)[1]
    browser = new_browser()
    new_password = "another long passphrase"
    done = browser.post(link, {"password": new_password, "confirm": new_password})
    assert done.status_code == 200
    assert browser.login(nurse.email, PASSWORD).status_code == 401
    assert browser.login(nurse.email, new_password).status_code == 303


def test_a_clinic_admin_cannot_touch_another_clinics_users_by_guessing_ids(
    db, portal_client, portal_user
):
    admin_a = portal_client(make_clinic(db), "clinic_admin")
    clinic_b = make_clinic(db, name="Harbor Clinic")
    nurse_b = portal_user(clinic_b, "nurse", email="nurse.b@example.org")

    assert "nurse.b@example.org" not in admin_a.get("/portal/users").text
    for path, data in (
        (f"/portal/users/{nurse_b.id}/active", {"active": "false"}),
        (f"/portal/users/{nurse_b.id}/role", {"role": "clinic_admin"}),
        (f"/portal/users/{nurse_b.id}/link", {}),
    ):
        response = admin_a.post(path, data)
        assert response.status_code == 404, path
        assert 'id="secret"' not in response.text
    after = _user(db, "nurse.b@example.org")
    assert after.is_active and after.role == "nurse" and after.reset_token_hash is None


def test_an_invitation_not_yet_accepted_does_not_count_as_a_clinic_admin(db, portal_client):
    admin = portal_client(make_clinic(db), "clinic_admin")
    admin.post("/portal/users", {"email": "next.admin@example.org", "role": "clinic_admin"})

    demote = admin.post(f"/portal/users/{admin.user.id}/role", {"role": "nurse"})

    assert demote.status_code == 409
    invited = _user(db, "next.admin@example.org")
    assert admin.post(f"/portal/users/{invited.id}/active", {"active": "false"}).status_code == 303
