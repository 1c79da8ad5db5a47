"""Shared fixtures: a migrated database per test run, a rolled-back session per test, a
signed Twilio client, a fixed clock.

The database comes from TEST_DATABASE_URL (default: a SQLite file in a temporary folder).
On PostgreSQL the URL's database is emptied and migrated at the start of the run, so point it
at a database used only for tests, e.g.
TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
When the suite runs in parallel (pytest-xdist), each worker uses a database of its own next to
that one (`test_gw0`, `test_gw1`, ...), created on first use and emptied at each run.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime

import argon2.profiles
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

# Every domain registers how its content document is checked and translated when its package
# is imported, as the entry points do through lupus_sms.models: a test that loads content/
# at import time needs them all (content/care_team.yaml belongs to the threads domain).
import lupus_sms.models  # noqa: F401
from lupus_sms.content.service import (
    reset_content_cache,
    use_database_content,
    use_yaml_content,
)
from lupus_sms.core import config as config_module
from lupus_sms.core import db as db_module
from lupus_sms.core.clock import FixedClock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import get_db, get_read_only_db, get_sign_in_db, make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.users import passwords

TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://sms.example.test"
DEFAULT_NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def pytest_configure(config) -> None:
    # The app must never read a developer's .env or real credentials during tests.
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMS_TRANSPORT"):
        os.environ.pop(name, None)
    # Tests tick explicitly (run_tick, `run-due`): no background scheduler in the app.
    os.environ["IN_PROCESS_SCHEDULER"] = "false"
    # Anything that falls back to the process-wide settings writes to a scratch folder,
    # never into the working tree.
    scratch = tempfile.mkdtemp(prefix="lupus-sms-tests-")
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/process-default.db"
    os.environ["SPOOL_DIR"] = f"{scratch}/spool"
    # Argon2 at its real cost takes a fifth of a second per hash; the suite signs in thousands
    # of times. Tests marked `real_password_cost` (the login-security tests) keep the real one.
    passwords.use_cost(argon2.profiles.CHEAPEST)


@pytest.fixture(autouse=True)
def _password_cost(request):
    if request.node.get_closest_marker("real_password_cost") is None:
        yield
        return
    passwords.use_cost(None)
    yield
    passwords.use_cost(argon2.profiles.CHEAPEST)


PUBLIC_TEST_ADDRESS = "93.184.215.14"  # a public address; tests never connect to it


class FakeDns:
    """What `core.egress.resolve` answers in tests: names under example.* are public, and
    `names` adds others; anything else cannot be found. No test asks the real DNS."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {"localhost": ["127.0.0.1", "::1"]}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host in self.names:
            answer = self.names[host]
            return answer() if callable(answer) else answer
        if host.rstrip(".").split(".")[-1] in ("example", "test") or ".example." in host + ".":
            return [PUBLIC_TEST_ADDRESS]
        raise OSError(f"no such host {host}")


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> FakeDns:
    from lupus_sms.core import egress

    dns = FakeDns()
    monkeypatch.setattr(egress, "resolve", dns)
    return dns


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    url = config_module.normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = _worker_database(url, worker)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _worker_database(url: str, worker_id: str) -> str:
    """The parallel worker's own database beside TEST_DATABASE_URL's, created if missing."""
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture(autouse=True)
def virtual_send_pacing(monkeypatch):
    """The dispatcher waits for each rate-limit slot; in tests that wait takes no real time."""
    from lupus_sms.messaging import rate_limit

    pacer = rate_limit.VirtualPacer()
    monkeypatch.setattr(rate_limit, "pacer", pacer)
    return pacer


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        spool_dir=tmp_path / "spool",
        spool_replay_seconds=0,  # tests replay the spool explicitly
        twilio_auth_token=TEST_AUTH_TOKEN,
        twilio_account_sid="AC" + "0" * 32,
        twilio_from_number="+12025550100",
        sms_transport="console",
        public_base_url=PUBLIC_BASE_URL,
    )


@pytest.fixture
def app(db: Session, clock: FixedClock, settings: Settings):
    from lupus_sms.main import create_app

    reset_content_cache()
    application = create_app(settings)
    # Live content is read through the test's own session (another connection would block).
    use_database_content(lambda: nullcontext(db))
    application.dependency_overrides[get_db] = lambda: db
    application.dependency_overrides[get_sign_in_db] = lambda: db
    application.dependency_overrides[get_read_only_db] = lambda: db
    application.dependency_overrides[get_clock] = lambda: clock
    application.dependency_overrides[get_settings] = lambda: settings
    yield application
    application.dependency_overrides.clear()
    use_yaml_content()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def unreachable_url(database_url: str, tmp_path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/no-such-folder/lupus.db"
    return "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def database_down(app, unreachable_url: str) -> Iterator[None]:
    """Every session of a request points at a database that refuses connections (the test's
    own `db` still works). A test that signs in first asks for it afterwards."""
    broken = make_engine(unreachable_url)

    def broken_session() -> Iterator[Session]:
        with Session(broken) as session:
            yield session

    for dependency in (get_db, get_sign_in_db, get_read_only_db):
        app.dependency_overrides[dependency] = broken_session
    yield
    broken.dispose()


class TwilioWebhookClient:
    """Posts form data to our webhooks signed exactly as Twilio signs them."""

    def __init__(self, client: TestClient, auth_token: str = TEST_AUTH_TOKEN):
        self.client = client
        self.validator = RequestValidator(auth_token)

    def post(self, path: str, data: dict[str, str], *, signature: str | None = None):
        url = PUBLIC_BASE_URL + path
        if signature is None:
            signature = self.validator.compute_signature(url, data)
        return self.client.post(path, data=data, headers={"X-Twilio-Signature": signature})

    def sms(
        self,
        body: str,
        *,
        from_: str = "+12025550123",
        to: str = "+12025550100",
        sid: str | None = None,
        **extra: str,
    ):
        data = {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "AccountSid": "AC" + "0" * 32,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        return self.post("/twilio/sms", data)


@pytest.fixture
def twilio(client: TestClient) -> TwilioWebhookClient:
    return TwilioWebhookClient(client)


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of its own, for CLI runs and tests with several connections."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/own.db"
        return
    name = f"lupus_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def cli_env(fresh_database_url: str, monkeypatch) -> Iterator[dict[str, str]]:
    """Point the process settings (used by the CLI) at a fresh database."""
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SMS_TRANSPORT", "console")
    _clear_caches()
    yield {"DATABASE_URL": fresh_database_url}
    _clear_caches()


def _clear_caches() -> None:
    if db_module.get_engine.cache_info().currsize:
        db_module.get_engine().dispose()
    if db_module.get_writer_sessionmaker.cache_info().currsize:
        db_module.get_writer_sessionmaker().kw["bind"].dispose()
    db_module.get_writer_sessionmaker.cache_clear()
    get_settings.cache_clear()
    db_module.get_engine.cache_clear()
    db_module.get_sessionmaker.cache_clear()
    use_yaml_content()
