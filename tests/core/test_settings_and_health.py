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


PRODUCTION = {
    "environment": "production",
    "session_secret": "a-production-secret-of-some-length",
    "public_base_url": "https://sms.example.test",
}


def test_production_refuses_to_start_without_twilio_auth_token():
    with pytest.raises(ConfigurationError, match="TWILIO_AUTH_TOKEN"):
        create_app(Settings(_env_file=None, **PRODUCTION))
    create_app(Settings(_env_file=None, twilio_auth_token="t" * 32, **PRODUCTION))


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/status"])
def test_outside_development_an_unsigned_webhook_is_refused_even_without_a_token(app, client, path):
    """Had the token gone missing after start, nothing unsigned (or signed with an empty key,
    which anyone can do) gets through."""
    from twilio.request_validator import RequestValidator

    from lupus_sms.core.config import get_settings

    settings = Settings(_env_file=None, sms_transport="console", **PRODUCTION)
    app.dependency_overrides[get_settings] = lambda: settings
    data = {"MessageSid": "SMunsigned", "From": "+12025550123", "Body": "MENU"}
    signed_with_no_key = RequestValidator("").compute_signature(
        "https://sms.example.test" + path, data
    )
    assert client.post(path, data=data).status_code == 403
    response = client.post(path, data=data, headers={"X-Twilio-Signature": signed_with_no_key})
    assert response.status_code == 403


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
