"""Start-up refusals, transport choice and /healthz."""

from __future__ import annotations

import pytest

from lupus_sms.core.config import Settings
from lupus_sms.core.errors import ConfigurationError
from lupus_sms.main import create_app


def test_console_is_the_default_without_credentials():
    settings = Settings(_env_file=None)
    assert settings.sms_transport == "console"
    assert not settings.signatures_required


def test_twilio_is_the_default_with_credentials():
    settings = Settings(
        _env_file=None,
        twilio_account_sid="AC1",
        twilio_auth_token="t",
        twilio_from_number="+12025550100",
    )
    assert settings.sms_transport == "twilio"
    assert settings.signatures_required


def test_twilio_transport_refuses_to_start_without_auth_token():
    settings = Settings(
        _env_file=None,
        sms_transport="twilio",
        twilio_account_sid="AC1",
        twilio_from_number="+12025550100",
    )
    with pytest.raises(ConfigurationError, match="TWILIO_AUTH_TOKEN"):
        create_app(settings)


def test_production_refuses_the_default_session_secret():
    settings = Settings(_env_file=None, environment="production")
    with pytest.raises(ConfigurationError, match="SESSION_SECRET"):
        settings.check_startable()


def test_postgres_urls_use_the_psycopg_driver():
    settings = Settings(_env_file=None, database_url="postgres://u@h:5432/d")
    assert settings.database_url == "postgresql+psycopg://u@h:5432/d"


def test_unsigned_webhooks_are_accepted_only_as_a_local_toy(db, clock, caplog, database_url):
    from fastapi.testclient import TestClient

    from lupus_sms.core.clock import get_clock
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.db import get_db

    settings = Settings(_env_file=None, database_url=database_url)
    with caplog.at_level("WARNING"):
        app = create_app(settings)
    assert "UNSIGNED WEBHOOKS ACCEPTED" in caplog.text
    app.dependency_overrides.update(
        {get_db: lambda: db, get_clock: lambda: clock, get_settings: lambda: settings}
    )
    with TestClient(app) as client:
        response = client.post(
            "/twilio/sms", data={"MessageSid": "SMtoy", "From": "+12025550123", "Body": "MENU"}
        )
    assert response.status_code == 200 and "<Message" in response.text


def test_healthz_reports_app_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["app"] == "ok" and body["checks"]["database"] == "ok"
