"""Failed sign-ins slow an account and an address down progressively (429 with Retry-After),
never lock the owner out for long, leave a clinic behind one NAT address alone, read
X-Forwarded-For only from trusted proxies, and cost one full password check whatever the
outcome. Unlocking: a clinic admin, an owner, the CLI."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

import argon2
import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from lupus_sms.cli import app as cli_app
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.core.migrations import upgrade
from lupus_sms.users import throttle
from lupus_sms.users.models import User
from tests.helpers import PASSWORD
from tests.signin.conftest import WRONG


def wait_of(response) -> int:
    assert response.status_code == 429, response.text[:300]
    assert "Too many sign-in attempts" in response.text
    return int(response.headers["retry-after"])


@pytest.mark.real_password_cost
def test_failures_slow_an_account_down_progressively(console, clock):
    console.account("someone@example.org")
    browser = console.browser()
    for _ in range(5):
        assert browser.login("someone@example.org", WRONG).status_code == 401
    waits = []
    for _ in range(3):
        waits.append(wait_of(browser.login("someone@example.org")))  # right, but too early
        clock.advance(seconds=waits[-1])
        assert browser.login("someone@example.org", WRONG).status_code == 401
    assert waits == [1, 2, 4]
    clock.advance(seconds=8)
    assert browser.login("someone@example.org").status_code == 303


def test_an_attacker_at_one_address_never_locks_the_owner_out(console, clock):
    """An hour of guessing as fast as allowed: a few dozen guesses at most, and the owner,
    signing in from elsewhere, is never kept waiting."""
    console.account("owner@example.org")
    attacker = console.browser("203.0.113.66")
    guesses, end = 0, clock.now() + timedelta(hours=1)
    while clock.now() < end:
        response = attacker.login("owner@example.org", WRONG)
        if response.status_code == 429:
            clock.advance(seconds=wait_of(response))
            continue
        assert response.status_code == 401
        guesses += 1
    assert 10 <= guesses <= 20
    assert console.browser("198.51.100.7").login("owner@example.org").status_code == 303


def test_many_addresses_against_one_account_slow_it_down_but_never_for_long(console, clock):
    console.account("owner@example.org")
    for index in range(20):
        guess = console.browser(f"203.0.113.{index + 1}").login("owner@example.org", WRONG)
        assert guess.status_code == 401
    waits = []
    for index in range(8):
        response = console.browser(f"192.0.2.{index + 1}").login("owner@example.org", WRONG)
        waits.append(wait_of(response))
        clock.advance(seconds=waits[-1])
        guess = console.browser(f"192.0.2.{index + 101}").login("owner@example.org", WRONG)
        assert guess.status_code == 401
    assert waits[:6] == [1, 2, 4, 8, 16, 32] and max(waits) == 60
    refused = console.browser("198.51.100.7").login("owner@example.org")
    clock.advance(seconds=wait_of(refused))
    assert console.browser("198.51.100.7").login("owner@example.org").status_code == 303


def test_one_address_trying_many_accounts_is_slowed_down(console, settings, clock):
    settings.login_failures_per_address = 3
    for index in range(3):
        console.account(f"person{index}@example.org")
    sprayer = console.browser("203.0.113.9")
    for index in range(3):
        assert sprayer.login(f"person{index}@example.org", WRONG).status_code == 401
    wait_of(sprayer.login("person0@example.org"))
    wait_of(sprayer.login("nobody@example.org"))  # unknown emails are slowed down alike
    assert console.browser("198.51.100.8").login("person0@example.org").status_code == 303


def test_a_clinic_behind_one_address_is_not_slowed_down_in_normal_use(db, app, clock):
    """Forty people of one clinic, one NAT address, each mistyping twice before signing in."""
    from tests.signin.conftest import Console

    portal = Console("portal", db, app)
    office = "198.51.100.200"
    for index in range(40):
        email = f"staff{index}@example.org"
        portal.account(email, role="nurse")
        browser = portal.browser(office)
        assert browser.login(email, WRONG).status_code == 401
        assert browser.login(email, WRONG + "!").status_code == 401
        assert browser.login(email).status_code == 303
    for client in portal.clients:
        client.close()


def test_forwarded_for_is_read_only_from_a_trusted_proxy(console, settings):
    settings.trusted_proxies = "10.0.0.2, 10.9.0.0/16"
    settings.login_failures_per_address = 2
    console.account("owner@example.org")
    proxy = console.browser("10.0.0.2")

    def through_proxy(client: str, password: str = WRONG):
        token = proxy.csrf()
        return proxy.client.post(
            "/" + console.name + "/login",
            data={"email": "owner@example.org", "password": password, "csrf_token": token},
            headers={"X-Forwarded-For": f"{client}, 10.9.1.1"},
            follow_redirects=False,
        )

    assert through_proxy("203.0.113.5").status_code == 401
    assert through_proxy("203.0.113.5").status_code == 401
    wait_of(through_proxy("203.0.113.5"))  # that client's address is slowed down
    assert through_proxy("203.0.113.6", PASSWORD).status_code == 303  # another client is not

    direct = console.browser("198.51.100.9")  # not a proxy: its X-Forwarded-For is ignored
    for index in range(2):
        token = direct.csrf()
        forged = {"X-Forwarded-For": f"192.0.2.{index}"}
        data = {"email": "x@example.org", "password": WRONG, "csrf_token": token}
        response = direct.client.post(f"/{console.name}/login", data=data, headers=forged)
        assert response.status_code == 401
    wait_of(direct.login("owner@example.org"))


@pytest.mark.real_password_cost
def test_every_outcome_costs_one_full_password_check(console, monkeypatch, clock):
    """Unknown email, wrong password, inactive account, another console's account, slowed
    down, and success: one Argon2 verification each, at the production cost, so the time an
    answer takes tells nothing about which emails exist."""
    production = argon2.profiles.get_default_parameters()
    checks = []
    real_verify = PasswordHasher.verify

    def counted(self, hash, password):
        checks.append(argon2.extract_parameters(hash))
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    console.account("active@example.org")
    console.account("inactive@example.org", active=False)
    other = "portal" if console.name == "admin" else "admin"
    from tests.signin.conftest import Console

    Console(other, console.db, console.app).account("elsewhere@example.org")
    attempts = [
        ("unknown@example.org", PASSWORD, 401),
        ("active@example.org", WRONG, 401),
        ("inactive@example.org", PASSWORD, 401),
        ("elsewhere@example.org", PASSWORD, 401),
        ("active@example.org", PASSWORD, 303),
    ]
    for email, password, expected in attempts:
        checks.clear()
        assert console.browser().login(email, password).status_code == expected
        assert checks == [production], email
    slowed = console.browser()
    for _ in range(5):
        slowed.login("active@example.org", WRONG)
    checks.clear()
    wait_of(slowed.login("active@example.org"))
    assert checks == [production]


def _slow_down(browser, email: str) -> None:
    for _ in range(5):
        assert browser.login(email, WRONG).status_code == 401
    wait_of(browser.login(email))


def test_a_clinic_admin_unlocks_a_colleague_at_once(db, app, clock):
    from tests.signin.conftest import Console

    portal = Console("portal", db, app)
    admin = portal.account("lead@example.org")
    nurse = User(email="nurse@example.org", role="nurse", clinic_id=admin.clinic_id,
                 password_hash=admin.password_hash)  # fmt: skip
    db.add(nurse)
    db.commit()
    nurse_browser = portal.browser()
    _slow_down(nurse_browser, "nurse@example.org")
    lead = portal.signed_in_browser("lead@example.org")

    users_page = lead.get("/portal/users").text
    assert "slowed down" in users_page and f"/portal/users/{nurse.id}/unlock" in users_page
    assert lead.post(f"/portal/users/{nurse.id}/unlock", page="/portal/users").status_code == 303

    assert nurse_browser.login("nurse@example.org").status_code == 303
    assert "portal.user_unlocked" in portal.audit_actions()
    for client in portal.clients:
        client.close()


def test_an_owner_unlocks_an_admin_at_once(db, app, clock):
    from tests.signin.conftest import Console

    admin_console = Console("admin", db, app)
    admin_console.account("owner@example.org")
    editor = admin_console.account("editor@example.org", role="editor")
    editor_browser = admin_console.browser()
    _slow_down(editor_browser, "editor@example.org")
    owner = admin_console.signed_in_browser("owner@example.org")

    assert "slowed down" in owner.get("/admin/users").text
    assert owner.post(f"/admin/users/{editor.id}/unlock", page="/admin/users").status_code == 303

    assert editor_browser.login("editor@example.org").status_code == 303
    assert "user.unlock" in admin_console.audit_actions()
    for client in admin_console.clients:
        client.close()


def _fail(db, *, email: str, address: str, times: int, now, per_address: int = 100) -> None:
    for _ in range(times):
        with suppress(throttle.TooManyAttempts):
            throttle.reserve(
                db, email=email, address=address, now=now, failures_per_address=per_address
            )
        db.commit()


def test_an_owner_unlocks_an_account_or_an_address_from_the_command_line(cli_env, clock):
    upgrade(cli_env["DATABASE_URL"])
    now = clock.now()
    with get_sessionmaker()() as db:
        db.add(User(email="nurse@example.org", role="owner", password_hash="x"))
        db.commit()
        _fail(db, email="nurse@example.org", address="203.0.113.7", times=5, now=now)
        _fail(db, email="x@example.org", address="203.0.113.8", times=3, now=now, per_address=3)
        assert throttle.wait(db, email="nurse@example.org", address="203.0.113.7", now=now) > 0
        assert throttle.wait(db, email="y@example.org", address="203.0.113.8", now=now) > 0
    runner = CliRunner()

    unlocked = runner.invoke(cli_app, ["admin", "unlock", "Nurse@Example.org"])
    by_address = runner.invoke(cli_app, ["admin", "unlock", "--address", "203.0.113.8"])
    unknown = runner.invoke(cli_app, ["admin", "unlock", "nobody@example.org"])

    assert unlocked.exit_code == 0 and "nurse@example.org" in unlocked.output
    assert by_address.exit_code == 0 and "203.0.113.8" in by_address.output
    assert unknown.exit_code == 1 and "nobody@example.org" in unknown.output
    with get_sessionmaker()() as db:
        assert throttle.wait(db, email="nurse@example.org", address="203.0.113.7", now=now) == 0
        assert throttle.wait(db, email="y@example.org", address="203.0.113.8", now=now) == 0
