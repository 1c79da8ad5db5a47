"""Sessions live on the server: sign-out, "sign out everywhere", a password change and
deactivation end them at once (a copied cookie is worthless afterwards); they also end after
an idle time and at an absolute lifetime. CSRF tokens belong to one session."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import PASSWORD
from tests.signin.conftest import Console

NEW_PASSWORD = "a different long passphrase"


def _with_cookie(console: Console, name: str, value: str):
    """A request from another machine that carries a copied cookie."""
    thief = console.browser()
    return thief.client.get(
        console.home, headers={"Cookie": f"{name}={value}"}, follow_redirects=False
    )


def test_sign_out_ends_the_session_on_the_server(console):
    console.account("someone@example.org")
    browser = console.signed_in_browser("someone@example.org")
    copied = browser.client.cookies.get(console.session_cookie)
    assert _with_cookie(console, console.session_cookie, copied).status_code == 200

    assert browser.post(f"{console.path}/logout").status_code == 303

    replayed = _with_cookie(console, console.session_cookie, copied)
    assert replayed.status_code == 303 and replayed.headers["location"].endswith("/login")


def test_sign_out_everywhere_ends_every_session_of_that_person_only(console):
    console.account("someone@example.org")
    console.account("colleague@example.org")
    here = console.signed_in_browser("someone@example.org")
    there = console.signed_in_browser("someone@example.org")
    colleague = console.signed_in_browser("colleague@example.org")

    account_page = f"{console.path}/account"
    response = here.post(f"{console.path}/account/sign-out-everywhere", page=account_page)

    assert response.status_code == 303 and response.headers["location"].endswith("/login")
    assert not here.signed_in() and not there.signed_in()
    assert colleague.signed_in()


def test_a_password_change_ends_every_other_session(console):
    console.account("someone@example.org")
    here = console.signed_in_browser("someone@example.org")
    there = console.signed_in_browser("someone@example.org")
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    wrong = here.post(
        f"{console.path}/account/password", {**form, "current_password": "a wrong password"},
        page=f"{console.path}/account",
    )  # fmt: skip
    assert wrong.status_code == 422 and there.signed_in()
    changed = here.post(f"{console.path}/account/password", form, page=f"{console.path}/account")

    assert changed.status_code == 303
    assert here.signed_in() and not there.signed_in()
    assert console.browser().login("someone@example.org", PASSWORD).status_code == 401
    assert console.browser().login("someone@example.org", NEW_PASSWORD).status_code == 303


def test_deactivation_ends_a_copied_session_for_good(db, console):
    """Reactivating the person does not bring an old session back."""
    from lupus_sms.users import clinic_users
    from lupus_sms.users import service as users

    role = "editor" if console.name == "admin" else "nurse"
    user = console.account("someone@example.org", role=role)
    browser = console.signed_in_browser("someone@example.org")
    copied = browser.client.cookies.get(console.session_cookie)
    service = users if console.name == "admin" else clinic_users

    service.set_active(db, user=user, active=False)
    service.set_active(db, user=user, active=True)
    db.commit()

    assert _with_cookie(console, console.session_cookie, copied).status_code == 303
    assert not browser.signed_in()


def test_an_idle_session_ends(console, clock, settings):
    console.account("someone@example.org")
    browser = console.signed_in_browser("someone@example.org")
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert browser.signed_in()
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert browser.signed_in()  # still in use: the idle time starts again
    clock.advance(minutes=settings.session_idle_minutes + 1)
    assert not browser.signed_in()


def test_a_session_in_use_ends_at_its_absolute_lifetime(console, clock, settings):
    console.account("someone@example.org")
    browser = console.signed_in_browser("someone@example.org")
    started = clock.now()
    lifetime = timedelta(hours=settings.session_max_hours)
    while clock.now() + timedelta(minutes=20) < started + lifetime:
        clock.advance(minutes=20)
        assert browser.signed_in()
    clock.advance(minutes=20)
    assert not browser.signed_in()


def test_the_portal_alert_poll_does_not_keep_a_session_alive(db, app, clock, settings):
    portal = Console("portal", db, app)
    portal.account("nurse@example.org")
    browser = portal.signed_in_browser("nurse@example.org")
    poll = {"X-Background-Poll": "1"}
    for _ in range(2):
        clock.advance(minutes=settings.session_idle_minutes // 2 + 1)
        response = browser.client.get("/portal/alerts/open-count", headers=poll)
        if response.status_code != 200:
            break
    assert not browser.signed_in()
    for client in portal.clients:
        client.close()


def test_a_victims_session_with_an_attackers_token_pair_is_refused(console):
    """The attacker has a CSRF cookie and token of their own (from the sign-in page, or their
    own session) and gets the victim's browser to send them with the victim's session."""
    console.account("victim@example.org")
    console.account("attacker@example.org")
    victim = console.signed_in_browser("victim@example.org")
    session = victim.client.cookies.get(console.session_cookie)
    attacker = console.browser()
    login_token = attacker.csrf()
    login_cookie = attacker.client.cookies.get(console.csrf_cookie)
    attacker_session = console.signed_in_browser("attacker@example.org")
    session_token = attacker_session.page_token()

    for token, cookie in ((login_token, login_cookie), (session_token, login_cookie)):
        forged = console.browser().client.post(
            f"{console.path}/logout",
            data={"csrf_token": token},
            headers={"Cookie": f"{console.session_cookie}={session}; "
                               f"{console.csrf_cookie}={cookie}"},
            follow_redirects=False,
        )  # fmt: skip
        assert forged.status_code == 403
    assert victim.signed_in()


def test_the_csrf_token_is_renewed_at_sign_in(console):
    console.account("someone@example.org")
    browser = console.browser()
    before = browser.csrf()
    assert browser.login("someone@example.org").status_code == 303
    after = browser.page_token()
    assert after != before
    stale = browser.client.post(
        f"{console.path}/logout", data={"csrf_token": before},
        follow_redirects=False,
    )  # fmt: skip
    assert stale.status_code == 403 and browser.signed_in()
