"""A new password is refused when it is easy to guess, wherever it is chosen: the Account page
of both consoles, a one-time link, and `lupus-sms admin create`."""

from __future__ import annotations

import re

import pytest

from tests.admin.test_cli import migrated, run
from tests.helpers import PASSWORD
from tests.signin.conftest import Console

EMAIL = "someone.here@example.org"
WEAK = {
    "aaaaaaaaaaaa": "different characters",
    "123456789012": "sequences",
    "qwertyuiop12": "sequences",
    "passwordpassword": "repeats",
    "Password2024!": "most common passwords",
    EMAIL: "email address",
    "my someone.here pass": "email address",
    "Someone-Here-2026": "email address",  # the email's parts, whatever joins them
    "example.org!X9z": "email address",  # its domain
    "qazwsxedcrfv": "sequences",  # down the keyboard's columns
    "lupuslupus12": "repeats",
}


def _change(browser, console: Console, password: str):
    form = {"current_password": PASSWORD, "password": password, "confirm": password}
    return browser.post(f"{console.path}/account/password", form, page=f"{console.path}/account")


@pytest.mark.parametrize("weak", WEAK)
def test_a_guessable_password_is_refused_on_the_account_page(console, weak):
    console.account(EMAIL)
    browser = console.signed_in_browser(EMAIL)

    refused = _change(browser, console, weak)

    assert refused.status_code == 422
    assert WEAK[weak] in refused.text
    assert console.browser().login(EMAIL, weak).status_code == 401
    assert _change(browser, console, "a sturdy harbour lantern").status_code == 303


def test_a_reset_link_refuses_a_guessable_password(db, console, clock):
    from lupus_sms.users import clinic_users
    from lupus_sms.users import service as users

    user = console.account(EMAIL)
    if console.name == "admin":
        path = f"/admin/reset/{users.issue_reset_token(db, user=user, now=clock.now())}"
    else:
        path = clinic_users.issue_link(db, user=user, now=clock.now())
    db.commit()
    browser = console.browser()
    page = browser.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form = {"password": "123456789012", "confirm": "123456789012", "csrf_token": token}

    refused = browser.client.post(path, data=form)

    assert refused.status_code == 422 and "sequences" in refused.text
    assert console.browser().login(EMAIL, "123456789012").status_code == 401


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "passwordpassword", "owner@example.org"])
def test_admin_create_refuses_a_guessable_password(cli_env, weak):
    migrated()
    result = run("admin", "create", "owner@example.org", "--password-stdin", stdin=f"{weak}\n")
    assert result.exit_code == 1
    assert "refused: password:" in result.output
