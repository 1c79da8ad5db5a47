"""`lupus-sms clinic user add|list|deactivate|reset`."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from lupus_sms.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def _clinic() -> None:
    assert run("db", "upgrade").exit_code == 0
    created = run(
        "clinic", "create", "Riverside Lupus Clinic", "--phone", "+16175550100",
        "--urgent-phone", "+16175550199", "--timezone", "America/New_York",
    )  # fmt: skip
    assert created.exit_code == 0, created.output


def test_add_prints_a_one_time_invitation_link(cli_env, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sms.example.test")
    _clinic()

    result = run("clinic", "user", "add", "1", "Nurse@Example.org", "--role", "nurse")

    assert result.exit_code == 0, result.output
    assert "invited nurse@example.org as nurse of Riverside Lupus Clinic" in result.output
    assert re.search(r"https://sms\.example\.test/portal/invite/[\w-]{40,}", result.output)
    listing = run("clinic", "user", "list", "Riverside Lupus Clinic")
    assert "nurse@example.org\tnurse\tinvited" in listing.output


def test_reset_and_deactivate(cli_env):
    _clinic()
    run("clinic", "user", "add", "1", "coord@example.org", "--role", "coordinator")

    link = run("clinic", "user", "reset", "1", "coord@example.org")
    assert link.exit_code == 0 and "/portal/invite/" in link.output  # no password yet
    off = run("clinic", "user", "deactivate", "1", "coord@example.org")
    assert off.exit_code == 0
    assert (
        "coord@example.org\tcoordinator\tdeactivated" in run("clinic", "user", "list", "1").output
    )
    refused = run("clinic", "user", "reset", "1", "coord@example.org")
    assert refused.exit_code == 1 and "reactivate" in refused.output


def test_clear_errors_without_tracebacks(cli_env):
    _clinic()
    run("clinic", "user", "add", "1", "taken@example.org", "--role", "nurse")

    unknown_clinic = run("clinic", "user", "add", "99", "x@example.org", "--role", "nurse")
    bad_role = run("clinic", "user", "add", "1", "x@example.org", "--role", "owner")
    duplicate = run("clinic", "user", "add", "1", "Taken@example.org", "--role", "nurse")
    unknown_user = run("clinic", "user", "deactivate", "1", "nobody@example.org")

    assert unknown_clinic.exit_code == 1 and "clinic 99 not found" in unknown_clinic.output
    assert bad_role.exit_code == 2 and "owner" in bad_role.output
    assert duplicate.exit_code == 1 and "cannot be invited" in duplicate.output
    assert unknown_user.exit_code == 1 and "no user nobody@example.org" in unknown_user.output
    for result in (unknown_clinic, bad_role, duplicate, unknown_user):
        assert "Traceback" not in result.output
    assert "taken@example.org" in run("clinic", "user", "list", "1").output
