"""A password someone else chose (the demo's printed one, `admin create --temporary-password`)
works once: the first sign-in leads to choosing a new one, and nothing else opens before."""

from __future__ import annotations

from sqlalchemy import select

from lupus_sms.admin.demo import DEMO_OWNER_EMAIL, fill
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.users.models import User
from tests.admin.test_cli import migrated, run
from tests.signin.conftest import Console

NEW_PASSWORD = "my very own passphrase"


def _change(browser, console: Console, current: str):
    form = {"current_password": current, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return browser.post(f"{console.path}/account/password", form, page=f"{console.path}/account")


def test_the_demo_password_must_be_replaced_at_first_sign_in(db, app, clock):
    result = fill(db, now=clock.now(), content_dir=get_settings().content_dir)
    db.commit()
    admin = Console("admin", db, app)
    owner = admin.browser()

    assert owner.login(DEMO_OWNER_EMAIL, result.owner_password).status_code == 303
    for page in ("/admin/dashboard", "/admin/users", "/admin/content"):
        response = owner.get(page)
        assert response.status_code == 303 and response.headers["location"] == "/admin/account"
    account = owner.get("/admin/account")
    assert account.status_code == 200 and "choose a new password" in account.text.lower()
    refused = owner.post("/admin/users", {"email": "x@example.org", "role": "owner"})
    assert refused.status_code == 303 and refused.headers["location"] == "/admin/account"
    same = owner.post(
        "/admin/account/password",
        {"current_password": result.owner_password, "password": result.owner_password,
         "confirm": result.owner_password},
        page="/admin/account",
    )  # fmt: skip
    assert same.status_code == 422  # the handed-over password cannot be kept

    assert _change(owner, admin, result.owner_password).status_code == 303
    assert owner.get("/admin/dashboard").status_code == 200
    assert admin.browser().login(DEMO_OWNER_EMAIL, result.owner_password).status_code == 401
    assert admin.browser().login(DEMO_OWNER_EMAIL, NEW_PASSWORD).status_code == 303
    assert "x@example.org" not in db.scalars(select(User.email)).all()
    for client in admin.clients:
        client.close()


def test_the_demo_says_the_password_is_to_be_replaced(cli_env):
    migrated()
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "choose your own at first sign-in" in result.output
    with get_sessionmaker()() as db:
        assert db.scalars(select(User.must_change_password)).one() is True


def test_an_admin_created_with_a_temporary_password_must_replace_it(cli_env):
    migrated()
    handed_over = run(
        "admin", "create", "editor@example.org", "--role", "editor", "--temporary-password",
        "--password-stdin", stdin="a temporary password 1\n",
    )  # fmt: skip
    own = run("admin", "create", "me@example.org", "--password-stdin", stdin="my own password 12\n")
    assert handed_over.exit_code == 0 and own.exit_code == 0, handed_over.output + own.output
    assert "first sign-in" in handed_over.output
    with get_sessionmaker()() as db:
        flags = dict(db.execute(select(User.email, User.must_change_password)).all())
    assert flags == {"editor@example.org": True, "me@example.org": False}


def test_a_portal_user_with_a_handed_over_password_replaces_it_first(db, app):
    portal = Console("portal", db, app)
    user = portal.account("nurse@example.org", role="nurse")
    user.must_change_password = True
    db.commit()
    browser = portal.browser()
    from tests.helpers import PASSWORD

    assert browser.login("nurse@example.org").status_code == 303
    assert browser.get("/portal/patients").headers["location"] == "/portal/account"
    assert _change(browser, portal, PASSWORD).status_code == 303
    assert browser.get("/portal/patients").status_code == 200
    for client in portal.clients:
        client.close()
