"""Clinics and API keys: the CLI, hashing, revocation and Bearer authentication."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lupus_sms.audit.models import AuditEntry
from lupus_sms.cli import app as cli_app
from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.clinics.service import create_api_key, create_clinic, revoke_api_key
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.core.errors import ValidationFailed
from tests.factories import make_api_key, make_clinic

runner = CliRunner()
KEY = re.compile(r"lsk_[a-z2-9]{8}_[A-Za-z0-9_-]+")


def _cli(*args: str):
    result = runner.invoke(cli_app, list(args))
    return result


def test_cli_creates_clinic_and_prints_a_working_key_once(cli_env):
    assert _cli("db", "upgrade").exit_code == 0
    result = _cli(
        "clinic", "create", "Riverside Clinic", "--phone", "(617) 555-0100",
        "--urgent-phone", "617-555-0199", "--timezone", "America/New_York",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plaintext = KEY.search(result.output).group(0)
    with get_sessionmaker()() as db:
        clinic = db.scalars(select(Clinic)).one()
        assert (clinic.office_phone, clinic.urgent_phone) == ("+16175550100", "+16175550199")
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "clinic.create"))
        assert (entry.actor, entry.target) == ("cli", f"clinic:{clinic.id}")
        stored = db.scalars(select(ApiKey)).one()
        assert plaintext not in stored.key_hash and stored.key_hash != plaintext
        assert plaintext.startswith(stored.prefix)
    second = _cli("clinic", "key", "create", "--clinic", "Riverside Clinic", "--label", "EHR")
    assert second.exit_code == 0, second.output
    prefix = KEY.search(second.output).group(0)[:12]
    revoked = _cli("clinic", "key", "revoke", prefix)
    assert revoked.exit_code == 0 and prefix in revoked.output
    listed = _cli("clinic", "list")
    assert f"{prefix} (revoked)" in listed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timezone", "Moon/Base"], "time zone"),
        (["--phone", "12"], "phone"),
    ],
)
def test_cli_refuses_bad_clinic_input_cleanly(cli_env, args, message):
    _cli("db", "upgrade")
    base = {"--phone": "6175550100", "--urgent-phone": "6175550199", "--timezone": "UTC"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in base.items() for item in pair]
    result = _cli("clinic", "create", "Clinic", *flat)
    assert result.exit_code == 1
    assert message in result.output


def test_cli_refuses_a_name_another_clinic_has(cli_env):
    _cli("db", "upgrade")
    options = ["--phone", "6175550100", "--urgent-phone", "6175550199", "--timezone", "UTC"]
    assert _cli("clinic", "create", "Riverside Clinic", *options).exit_code == 0
    result = _cli("clinic", "create", "RIVERSIDE clinic", *options)
    assert result.exit_code == 1
    assert "clinic 1 is already named 'Riverside Clinic'" in result.output
    with get_sessionmaker()() as db:
        assert len(db.scalars(select(Clinic)).all()) == 1


def test_cli_refuses_a_clinic_name_longer_than_texts_are_checked_with(cli_env):
    _cli("db", "upgrade")
    options = ["--phone", "6175550100", "--urgent-phone", "6175550199", "--timezone", "UTC"]
    result = _cli("clinic", "create", "Riverside Lupus and Rheumatology Clinics2", *options)
    assert result.exit_code == 1
    assert "1 to 40 characters" in result.output and "short name" in result.output


def test_clinic_name_must_be_gsm7(db):
    with pytest.raises(ValidationFailed):
        create_clinic(
            db, name="Clínica “Sol” 🌞", office_phone="+16175550100",
            urgent_phone="+16175550199", timezone="America/New_York",
        )  # fmt: skip


def test_api_needs_a_valid_unrevoked_key(client, db, clock):
    clinic = make_clinic(db)
    key = make_api_key(db, clinic)
    ok = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Basic {key}"},
        {"Authorization": f"Bearer {key[:-2]}xx"},
        {"Authorization": f"Bearer {key[:13]}{'A' * 43}"},
    ):
        response = client.get("/api/v1/patients", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    api_key, other = create_api_key(db, clinic_id=clinic.id)
    revoke_api_key(db, prefix=api_key.prefix, now=clock.now())
    assert (
        client.get("/api/v1/patients", headers={"Authorization": f"Bearer {other}"}).status_code
        == 401
    )


def test_openapi_declares_the_bearer_scheme_on_api_routes(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1"):
            for operation in operations.values():
                assert {"ApiKey": []} in operation.get("security", []), path
    assert client.get("/docs").status_code == 200


def test_a_keys_last_use_is_recorded_to_the_hour(client, db, clock):
    clinic = make_clinic(db)
    api_key, plaintext = create_api_key(db, clinic_id=clinic.id)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert api_key.last_used_at is None

    def last_used():
        db.expire_all()
        return db.get(ApiKey, api_key.id).last_used_at

    assert client.get("/api/v1/patients", headers=headers).status_code == 200
    first = clock.now()
    assert last_used() == first
    clock.advance(minutes=59)
    client.get("/api/v1/patients", headers=headers)
    assert last_used() == first  # no write on every request
    clock.advance(minutes=2)
    client.get("/api/v1/patients", headers=headers)
    assert last_used() == clock.now()
    client.get("/api/v1/patients", headers={"Authorization": f"Bearer {plaintext}x"})
    assert last_used() == clock.now()  # a refused token records nothing


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/patients/{patient_id}/appointments/{appointment_id}", "patch"),
        ("/api/v1/patients/{patient_id}/milestones/{milestone_id}", "patch"),
        ("/api/v1/patients/{patient_id}/appointments", "post"),
        ("/api/v1/patients/{patient_id}/milestones", "post"),
        ("/api/v1/alerts/{alert_id}/acknowledge", "post"),
        ("/api/v1/patients/import", "post"),
    ],
)
def test_conflicts_the_services_raise_are_documented(client, path, method):
    """Clients generated from the schema must expect the 409s these operations can answer."""
    operation = client.get("/openapi.json").json()["paths"][path][method]
    assert "409" in operation["responses"]
