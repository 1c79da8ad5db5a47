"""`lupus-sms twilio check`: the real SDK over a stubbed HTTP client, never the network."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lupus_sms.cli import app
from lupus_sms.conversation import twilio_cli
from lupus_sms.conversation.twilio_check import SPANISH_SETUP_WORDS, run_checks
from lupus_sms.core.config import Settings
from lupus_sms.core.migrations import upgrade
from tests.factories import make_clinic
from tests.messaging.twilio_stub import ACCOUNT_SID, StubHttpClient, error_json, page

SERVICE = "MG" + "1" * 32
NUMBER = "+16175550100"
WEBHOOK = "https://sms.example.test/twilio/sms"
runner = CliRunner()


def settings_for(**overrides) -> Settings:
    values = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": "token",
        "twilio_messaging_service_sid": SERVICE,
        "public_base_url": "https://sms.example.test",
        "sms_transport": "twilio",
    }
    return Settings(_env_file=None, **(values | overrides))


def twilio_account(*, account_type="Full", webhook=WEBHOOK, keywords=True) -> StubHttpClient:
    stub = StubHttpClient()
    stub.answer(
        f"/Accounts/{ACCOUNT_SID}.json",
        {
            "sid": ACCOUNT_SID,
            "friendly_name": "Lupus SMS",
            "status": "active",
            "type": account_type,
        },
    )
    stub.answer(
        f"/Services/{SERVICE}",
        {
            "sid": SERVICE,
            "friendly_name": "Clinic texts",
            "inbound_request_url": f"{webhook}#rc=3&rp=ct,rt,5xx",
            "use_inbound_webhook_on_number": False,
            "us_app_to_person_registered": True,
            "smart_encoding": False,
        },
    )
    number = {"sid": "PN" + "2" * 32, "phone_number": NUMBER, "service_sid": SERVICE}
    stub.answer(f"/Services/{SERVICE}/PhoneNumbers", page("phone_numbers", [number]))
    words = list(SPANISH_SETUP_WORDS) if keywords else []
    campaign = {
        "sid": "QE" + "3" * 32,
        "opt_in_keywords": ["START", *[w for w, k in SPANISH_SETUP_WORDS.items() if k == "START"]],
        "opt_out_keywords": ["STOP", *[w for w in words if SPANISH_SETUP_WORDS[w] == "STOP"]],
        "help_keywords": ["HELP", *[w for w in words if SPANISH_SETUP_WORDS[w] == "HELP"]],
    }
    stub.answer(f"/Services/{SERVICE}/Compliance/Usa2p", page("compliance", [campaign]))
    return stub


def by_subject(findings) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for finding in findings:
        grouped.setdefault(finding.subject, []).append(finding)
    return grouped


def test_without_credentials_it_says_so_and_asks_twilio_nothing(db, clock):
    stub = StubHttpClient()
    findings = run_checks(
        settings_for(twilio_auth_token=None), db, now=clock.now(), http_client=stub
    )
    assert [f.status for f in findings] == ["fail"]
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set" in findings[0].detail
    assert stub.requests == []


def test_a_good_setup_and_the_spanish_words_twilio_took(db, clock, twilio):
    # Advanced Opt-Out flagged COMENZAR; INICIAR came without OptOutType: Twilio ignored it.
    twilio.sms("COMENZAR", from_="+12025550131", OptOutType="START")
    twilio.sms("Iniciar ", from_="+12025550132")
    stub = twilio_account()
    findings = run_checks(settings_for(), db, now=clock.now(), http_client=stub)
    grouped = by_subject(findings)
    assert grouped["account"][0].status == "ok"
    service = grouped[f"{SERVICE} (Clinic texts)"]
    assert {f.status for f in service} == {"ok"}
    assert any(WEBHOOK in f.detail for f in service)
    assert grouped["COMENZAR"][0].status == "ok"
    assert grouped["INICIAR"][0].status == "fail"
    assert "does not know it" in grouped["INICIAR"][0].detail
    assert grouped["PARAR"][0].status == "warn" and "test phone" in grouped["PARAR"][0].detail
    assert all(r["method"] == "GET" for r in stub.requests)  # a check changes nothing


def test_a_wrong_webhook_a_trial_and_missing_campaign_words_are_reported(db, clock):
    stub = twilio_account(
        account_type="Trial", webhook="https://old.example.test/sms", keywords=False
    )
    findings = run_checks(settings_for(), db, now=clock.now(), http_client=stub)
    grouped = by_subject(findings)
    assert grouped["account"][0].status == "warn" and "trial" in grouped["account"][0].detail
    service = grouped[f"{SERVICE} (Clinic texts)"]
    assert any(f.status == "fail" and "old.example.test" in f.detail for f in service)
    assert any(f.status == "warn" and "PARAR" in f.detail for f in service)


def test_refused_credentials_stop_the_check_early(db, clock):
    stub = StubHttpClient()
    denied = json.loads(error_json(401, 20003, "Authenticate"))
    stub.answer(f"/Accounts/{ACCOUNT_SID}.json", denied, status=401)
    findings = run_checks(settings_for(), db, now=clock.now(), http_client=stub)
    assert findings[0].status == "fail" and "refused these credentials" in findings[0].detail
    assert len(stub.requests) == 1


def test_each_clinics_own_number_is_checked(db, clock):
    make_clinic(db, name="Harbor Clinic", sender="+16175550111")
    stub = twilio_account()
    listed = {"sid": "PN" + "4" * 32, "phone_number": "+16175550111", "sms_url": WEBHOOK}
    stub.answer("/IncomingPhoneNumbers.json", {"incoming_phone_numbers": [listed], "page": 0})
    findings = run_checks(settings_for(), db, now=clock.now(), http_client=stub)
    assert by_subject(findings)["+16175550111"][0].status == "ok"


@pytest.fixture
def migrated(cli_env):
    upgrade(cli_env["DATABASE_URL"])
    return cli_env


def test_the_command_without_credentials_exits_2_and_prints_the_texts_to_set(migrated):
    result = runner.invoke(app, ["twilio", "check"])
    assert result.exit_code == 2, result.output
    assert "are not set" in result.output
    assert "Advanced Opt-Out texts" in result.output
    assert "COMENZAR INICIAR" in result.output and "Msg&data rates may apply" in result.output


def test_the_command_with_credentials_reports_and_fails_on_a_problem(migrated, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWILIO_MESSAGING_SERVICE_SID", SERVICE)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sms.example.test")
    from lupus_sms.core.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setattr(twilio_cli, "http_client", lambda: twilio_account())
    result = runner.invoke(app, ["twilio", "check"])
    assert "ok    account: Lupus SMS: active" in result.output
    assert "WARN  COMENZAR: not texted" in result.output
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(
        twilio_cli, "http_client", lambda: twilio_account(webhook="https://x.test/a")
    )
    result = runner.invoke(app, ["twilio", "check"])
    assert result.exit_code == 1 and "FAIL" in result.output


def test_the_readme_setup_names_the_spanish_words_the_check_and_the_live_texts():
    from lupus_sms.content.discreet import DISCREET, for_privacy
    from lupus_sms.content.service import get_content
    from lupus_sms.core.config import get_settings

    readme = (get_settings().content_dir.parent / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("### Twilio") : readme.index("## Admin console")]
    assert "lupus-sms twilio check" in setup
    for word in SPANISH_SETUP_WORDS:
        assert f"`{word}`" in setup, word
    for language in ("en", "es"):
        # Twilio sends one text to every number: the discreet forms, as the default is.
        view = for_privacy(get_content().for_language(language), DISCREET)
        for name in ("help", "opt_out_confirmation", "opt_in_confirmation"):
            assert view.text(name) in setup, (language, name)
