"""An operator's first hour: the start page, what `serve` prints, where links point, an
un-migrated database, and which database each command uses."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lupus_sms.cli import app as cli
from lupus_sms.core.clock import get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.database_status import describe, head_revision
from lupus_sms.core.db import get_db, get_read_only_db, make_engine
from lupus_sms.core.errors import ConfigurationError
from lupus_sms.core.migrations import upgrade
from lupus_sms.main import create_app
from tests.conftest import PUBLIC_BASE_URL, _clear_caches

runner = CliRunner()
PLACES = ("/portal", "/admin", "/docs", "/healthz")


def test_the_start_page_points_to_the_consoles_the_api_docs_and_health(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for path in PLACES:
        assert f'href="{path}"' in page.text
        assert client.get(path, follow_redirects=False).status_code in (200, 303), path


@pytest.fixture
def served(monkeypatch):
    """`uvicorn.run` recorded instead of run; HOST, PORT and the scheduler flag restored, and
    the test run's logging left alone."""
    import uvicorn

    from lupus_sms.core import logging as logging_module

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    monkeypatch.setattr(logging_module, "configure_logging", lambda: None)
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": "8000",
        "IN_PROCESS_SCHEDULER": "false",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    return calls


def test_serve_prints_the_places_and_development_links_follow_the_address_served(cli_env, served):
    upgrade(cli_env["DATABASE_URL"])
    result = runner.invoke(cli, ["serve", "--port", "8123", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert served == [served[0]] and served[0]["port"] == 8123
    for path in PLACES:
        assert f"http://127.0.0.1:8123{path}" in result.stdout
    assert get_settings().link("/twilio/status") == "http://127.0.0.1:8123/twilio/status"


def test_printed_invitation_links_follow_port_in_development(cli_env, monkeypatch):
    upgrade(cli_env["DATABASE_URL"])
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    _clear_caches()
    assert runner.invoke(cli, ["clinic", "create", "Riverside", "--phone", "+16175550100",
                               "--urgent-phone", "+16175550199", "--timezone",
                               "America/New_York"]).exit_code == 0  # fmt: skip
    result = runner.invoke(cli, ["clinic", "user", "add", "1", "a@example.org", "--role", "nurse"])
    assert result.exit_code == 0, result.output
    assert re.search(r"http://127\.0\.0\.1:9001/portal/invite/\S+", result.stdout)


def test_links_default_to_the_served_address_only_in_development():
    assert Settings(_env_file=None, port=9002).link("/x") == "http://127.0.0.1:9002/x"
    assert Settings(_env_file=None, host="0.0.0.0").public_base_url == "http://localhost:8000"
    given = Settings(_env_file=None, public_base_url="https://sms.example.org/", port=9)
    assert given.link("/portal") == "https://sms.example.org/portal"
    production = Settings(_env_file=None, environment="production", session_secret="s" * 40)
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        production.check_startable()
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        production.link("/portal/invite/x")
    Settings(
        _env_file=None, environment="production", session_secret="s" * 40,
        public_base_url="https://sms.example.org", twilio_auth_token="t" * 32,
    ).check_startable()  # fmt: skip


def test_serve_refuses_production_without_public_base_url_in_one_line(cli_env, served, monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SESSION_SECRET", "a-production-secret-of-some-length")
    _clear_caches()
    with pytest.raises(SystemExit) as stopped:
        _main(["serve"])
    assert stopped.value.code == 1 and served == []


def test_serve_refuses_production_without_twilio_auth_token_in_one_line(
    cli_env, served, monkeypatch, capsys
):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SESSION_SECRET", "a-production-secret-of-some-length")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sms.example.org")
    _clear_caches()
    with pytest.raises(SystemExit) as stopped:
        _main(["serve"])
    refusal = capsys.readouterr().err.strip()
    assert stopped.value.code == 1 and served == []
    assert "TWILIO_AUTH_TOKEN" in refusal and "\n" not in refusal


def _main(args: list[str]) -> None:
    import sys

    from lupus_sms import cli as cli_module

    saved = sys.argv
    sys.argv = ["lupus-sms", *args]
    try:
        cli_module.main()
    finally:
        sys.argv = saved


def test_links_never_come_from_the_host_header(twilio, client):
    response = twilio.client.post(
        "/twilio/sms",
        data=(data := _sms("MENU")),
        headers={"Host": "evil.example", "X-Twilio-Signature": _signature(data)},
    )
    assert response.status_code == 200, response.text
    actions = re.findall(r'action="([^"]+)"', response.text)
    assert actions and all(a.startswith(PUBLIC_BASE_URL + "/twilio/status") for a in actions)
    assert "evil.example" not in response.text


SLASHED = ["/portal/", "/admin/", "/twilio/sms/", "/api/v1/patients/?limit=2"]


@pytest.mark.parametrize("path", SLASHED)
def test_trailing_slash_redirects_never_name_the_host_header(client, path):
    answer = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == path.replace("/?", "?").rstrip("/")
    assert "evil.example" not in answer.text


def _sms(body: str) -> dict[str, str]:
    return {"MessageSid": "SMhost0001", "AccountSid": "AC" + "0" * 32, "From": "+12025550123",
            "To": "+12025550100", "Body": body, "NumMedia": "0"}  # fmt: skip


def _signature(data: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    from tests.conftest import TEST_AUTH_TOKEN

    return RequestValidator(TEST_AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/twilio/sms", data
    )


@contextmanager
def _app_on(url: str, settings: Settings, clock):
    """The app with its requests' sessions on another database than the test's."""
    engine = make_engine(url)
    application = create_app(settings)

    def session():
        with Session(engine) as db:
            yield db

    application.dependency_overrides.update(
        {
            get_db: session,
            get_read_only_db: session,
            get_clock: lambda: clock,
            get_settings: lambda: settings,
        }
    )
    with TestClient(application, raise_server_exceptions=False) as client:
        yield client
    engine.dispose()


def test_healthz_names_an_unmigrated_database_as_the_cause(fresh_database_url, settings, clock):
    with _app_on(fresh_database_url, settings, clock) as client:
        empty = client.get("/healthz")
    assert empty.status_code == 503
    assert empty.json()["checks"]["database"] == "not_migrated"
    assert "lupus-sms db upgrade" in empty.json()["database"]
    upgrade(fresh_database_url, "0001")
    with _app_on(fresh_database_url, settings, clock) as client:
        behind = client.get("/healthz").json()
    assert behind["checks"]["database"] == "not_migrated"
    assert f"at 0001, this code needs {head_revision()}" in behind["database"]
    upgrade(fresh_database_url)
    with _app_on(fresh_database_url, settings, clock) as client:
        assert client.get("/healthz").json()["checks"]["database"] == "ok"


def test_serve_and_worker_refuse_an_unmigrated_postgresql_in_one_line(cli_env, served):
    if cli_env["DATABASE_URL"].startswith("sqlite"):
        # The one-machine default migrates itself instead, and then serves.
        result = runner.invoke(cli, ["serve"])
        assert result.exit_code == 0 and len(served) == 1, result.output
        return
    for command in (["serve"], ["worker"], ["clinic", "list"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.splitlines()[-1] == (
            "refused: the database has no schema yet: run `lupus-sms db upgrade`"
        )
        assert "Traceback" not in result.output
    assert served == []


def test_every_command_names_its_database_never_its_password(cli_env):
    url = "postgresql+psycopg://lupus:s3cret-pw@db.example.org:5433/lupus_prod"
    assert describe(url) == 'PostgreSQL database "lupus_prod" on db.example.org:5433'
    assert describe("sqlite:///./here.db").startswith("SQLite file /")
    upgrade(cli_env["DATABASE_URL"])
    for command in (["clinic", "list"], ["text", "MENU"], ["db", "upgrade"], ["run-due"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, (command, result.output)
        assert result.stderr.startswith(f"database: {describe(cli_env['DATABASE_URL'])}\n")


@pytest.fixture
def missing_sqlite_file(tmp_path, monkeypatch):
    path = tmp_path / "typo" / "lupus_sms.db"
    path.parent.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    _clear_caches()
    yield path
    _clear_caches()


def test_read_only_commands_never_create_a_sqlite_file(missing_sqlite_file, tmp_path):
    for command in (["clinic", "list"], ["clinic", "user", "list", "1"],
                    ["content", "export", str(tmp_path / "out")]):  # fmt: skip
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, (command, result.output)
        assert f"refused: no database at {missing_sqlite_file}" in result.stderr
        assert not missing_sqlite_file.exists()
    created = runner.invoke(cli, ["db", "upgrade"])
    assert created.exit_code == 0 and missing_sqlite_file.exists()
    assert runner.invoke(cli, ["clinic", "list"]).exit_code == 0
