"""A one-time link (reset or invitation) issued before a deactivation or a password change is
void afterwards: reactivating the person does not bring it back."""

from __future__ import annotations

import re

from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.helpers import PASSWORD
from tests.signin.conftest import Console

TARGET = "colleague@example.org"


def _colleague(db, console: Console, manager: User, *, password: bool = True) -> User:
    role = "editor" if console.name == "admin" else "nurse"
    user = User(email=TARGET, role=role, clinic_id=manager.clinic_id,
                password_hash=hash_password(PASSWORD) if password else None)  # fmt: skip
    db.add(user)
    db.commit()
    return user


def _issue_link(console: Console, manager, user: User) -> str:
    if console.name == "admin":
        page = manager.post(f"/admin/users/{user.id}/reset", page="/admin/users")
    else:
        page = manager.post(f"/portal/users/{user.id}/link", page="/portal/users")
    return re.search(r'id="secret">https://[^/<]+(/[^<]+)<', page.text)[1]


def _set_active(console: Console, manager, user: User, active: bool) -> None:
    if console.name == "admin":
        action = "activate" if active else "deactivate"
        response = manager.post(f"/admin/users/{user.id}/{action}", page="/admin/users")
    else:
        form = {"active": "true" if active else "false"}
        response = manager.post(f"/portal/users/{user.id}/active", form, page="/portal/users")
    assert response.status_code == 303, response.text[:300]


def test_a_link_issued_before_a_deactivation_is_void_after_reactivation(db, console):
    manager_user = console.account("manager@example.org")
    manager = console.signed_in_browser("manager@example.org")
    colleague = _colleague(db, console, manager_user)
    link = _issue_link(console, manager, colleague)
    assert console.browser().get(link).status_code == 200

    _set_active(console, manager, colleague, False)
    _set_active(console, manager, colleague, True)

    stranger = console.browser()
    assert stranger.get(link).status_code == 404
    token = stranger.page_token(f"{console.path}/login")
    new = "a sturdy harbour lantern"
    form = {"password": new, "confirm": new, "csrf_token": token}
    used = stranger.client.post(link, data=form)
    assert used.status_code in (404, 422) and "link is not valid" in used.text
    assert console.browser().login(TARGET, new).status_code == 401
    assert console.browser().login(TARGET, PASSWORD).status_code == 303


def test_an_invitation_issued_before_a_deactivation_is_void_after_reactivation(db, app):
    portal = Console("portal", db, app)
    manager_user = portal.account("manager@example.org")
    manager = portal.signed_in_browser("manager@example.org")
    invited = _colleague(db, portal, manager_user, password=False)
    link = _issue_link(portal, manager, invited)
    assert link.startswith("/portal/invite/") and portal.browser().get(link).status_code == 200

    _set_active(portal, manager, invited, False)
    _set_active(portal, manager, invited, True)

    assert portal.browser().get(link).status_code == 404
    for client in portal.clients:
        client.close()


def test_a_password_change_voids_an_outstanding_link(db, console):
    manager_user = console.account("manager@example.org")
    manager = console.signed_in_browser("manager@example.org")
    colleague = _colleague(db, console, manager_user)
    link = _issue_link(console, manager, colleague)

    browser = console.signed_in_browser(TARGET)
    new = "a sturdy harbour lantern"
    form = {"current_password": PASSWORD, "password": new, "confirm": new}
    changed = browser.post(f"{console.path}/account/password", form, page=f"{console.path}/account")
    assert changed.status_code == 303

    assert console.browser().get(link).status_code == 404
