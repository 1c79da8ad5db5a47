"""Sign-in under concurrency, through real HTTP on a database of its own: attempts made at the
same moment are each counted (no more than the free ones get their password checked), a
password check holds no database connection, and beyond the process's hash slots a login
is answered 429 at once instead of queueing on the service."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker
from twilio.request_validator import RequestValidator

from lupus_sms.content.service import use_yaml_content
from lupus_sms.core.clock import get_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_db, get_sign_in_db, make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.inbound.degraded import RECEIVED_TEXT
from lupus_sms.users.models import LoginThrottle, User
from lupus_sms.users.passwords import hash_password
from tests.conftest import PUBLIC_BASE_URL, TEST_AUTH_TOKEN
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.multiprocess, pytest.mark.real_password_cost]
EMAIL = "lead@example.org"
WRONG = "not the password at all"


@dataclass
class LiveApp:
    base_url: str
    engine: Engine

    def add_owner(self) -> None:
        with sessionmaker(self.engine)() as db:
            db.add(User(email=EMAIL, role="owner", password_hash=hash_password(PASSWORD)))
            db.commit()

    def csrf_pair(self) -> tuple[str, str]:
        """A sign-in page's CSRF cookie (as a Cookie header) and token."""
        page = httpx.get(f"{self.base_url}/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        cookie = next(
            header.split(";")[0]
            for header in page.headers.get_list("set-cookie")
            if header.startswith("lupus_admin_csrf=")
        )
        return cookie, token

    def login(self, password: str, pair: tuple[str, str], timeout: float = 60) -> httpx.Response:
        cookie, token = pair
        return httpx.post(
            f"{self.base_url}/admin/login",
            data={"email": EMAIL, "password": password, "csrf_token": token},
            headers={"Cookie": cookie},
            timeout=timeout,
        )

    def text_message(self, body: str) -> httpx.Response:
        form = {"MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "0" * 32,
                "From": "+12025550123", "To": "+12025550100", "Body": body}  # fmt: skip
        signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
            PUBLIC_BASE_URL + "/twilio/sms", form
        )
        return httpx.post(
            f"{self.base_url}/twilio/sms", data=form,
            headers={"X-Twilio-Signature": signature}, timeout=10,
        )  # fmt: skip


@pytest.fixture
def live_app(fresh_database_url, settings, clock) -> Iterator:
    """A factory: the app on a fresh database with a real connection pool, served by uvicorn
    in a thread of this process on a loopback port."""
    upgrade(fresh_database_url)
    running: list[tuple[uvicorn.Server, threading.Thread, Engine]] = []

    def start(*, pool_size: int = 10, hash_slots: int = 64) -> LiveApp:
        from lupus_sms.main import create_app

        engine = make_engine(
            fresh_database_url, pool_size=pool_size, max_overflow=0, pool_timeout=10
        )
        factory = sessionmaker(engine, expire_on_commit=False)
        app_settings = settings.model_copy(
            update={"database_url": fresh_database_url, "login_max_concurrent_hashes": hash_slots}
        )
        app = create_app(app_settings)
        use_yaml_content()

        def session():
            with factory() as db:
                yield db

        app.dependency_overrides[get_db] = session
        app.dependency_overrides[get_sign_in_db] = session
        app.dependency_overrides[get_clock] = lambda: clock
        app.dependency_overrides[get_settings] = lambda: app_settings
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                log_level="warning", access_log=False)  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        running.append((server, thread, engine))
        return LiveApp(f"http://127.0.0.1:{port}", engine)

    yield start
    for server, thread, engine in running:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def _all_at_once(live: LiveApp, passwords: list[str]) -> list[httpx.Response]:
    pair = live.csrf_pair()
    start = threading.Barrier(len(passwords))

    def attempt(password: str) -> httpx.Response:
        start.wait()
        return live.login(password, pair)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def _outcomes(responses: list[httpx.Response]) -> Counter:
    def outcome(response: httpx.Response) -> str:
        if response.status_code == 429 and "Too many sign-in attempts" in response.text:
            return "slowed down"
        return str(response.status_code)

    return Counter(outcome(response) for response in responses)


def test_fifteen_concurrent_wrong_passwords_are_fifteen_counted_attempts(live_app):
    live = live_app()
    live.add_owner()

    outcomes = _outcomes(_all_at_once(live, [WRONG] * 15))

    assert outcomes == {"401": 5, "slowed down": 10}
    assert live.login(PASSWORD, live.csrf_pair()).status_code == 429  # still waiting


def test_the_right_password_among_forty_concurrent_attempts_waits_like_the_others(live_app):
    """39 wrong attempts at once; once the free ones are counted, the right password comes
    in while they are still being answered: it waits too (today it signed in)."""
    live = live_app()
    live.add_owner()
    pair = live.csrf_pair()
    start = threading.Barrier(39)

    def wrong() -> httpx.Response:
        start.wait()
        return live.login(WRONG, pair)

    with ThreadPoolExecutor(39) as pool:
        guesses = [pool.submit(wrong) for _ in range(39)]
        _wait_until_counted(live.engine, 5)
        right = live.login(PASSWORD, pair)
        outcomes = _outcomes([guess.result() for guess in guesses])

    assert outcomes == {"401": 5, "slowed down": 34}
    assert _outcomes([right]) == {"slowed down": 1}


def _wait_until_counted(engine: Engine, failures: int) -> None:
    with engine.connect() as connection:
        for _ in range(3000):
            counted = connection.scalar(select(func.max(LoginThrottle.failures)))
            connection.rollback()
            if (counted or 0) >= failures:
                return
            time.sleep(0.01)
    raise AssertionError(f"{failures} failures were never counted")


@pytest.fixture
def held_password_check(monkeypatch):
    """Every password check waits, once started, until the test lets it finish."""
    started, finish = threading.Event(), threading.Event()
    real_verify = PasswordHasher.verify

    def held(self, hash, password):
        started.set()
        finish.wait(30)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", held)
    yield started, finish
    finish.set()


def test_a_password_check_holds_no_database_connection(live_app, held_password_check):
    """One connection in the pool: while a login's password is being checked, the webhook
    still stores and answers a text."""
    started, finish = held_password_check
    live = live_app(pool_size=1)
    live.add_owner()
    pair = live.csrf_pair()
    with ThreadPoolExecutor(1) as pool:
        login = pool.submit(live.login, PASSWORD, pair)
        assert started.wait(30)
        try:
            assert live.engine.pool.checkedout() == 0
            answer = live.text_message("MENU")
        finally:
            finish.set()
        assert login.result().status_code == 303
    assert answer.status_code == 200
    assert "<Message" in answer.text and RECEIVED_TEXT[:30] not in answer.text


def test_logins_beyond_the_hash_slots_get_429_and_retry_after_at_once(
    live_app, held_password_check
):
    started, finish = held_password_check
    live = live_app(hash_slots=1)
    live.add_owner()
    pair = live.csrf_pair()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(live.login, PASSWORD, pair)
        assert started.wait(30)
        try:
            second = live.login(PASSWORD, pair, timeout=10)
        finally:
            finish.set()
        assert first.result().status_code == 303
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) >= 1
    assert "busy" in second.text
