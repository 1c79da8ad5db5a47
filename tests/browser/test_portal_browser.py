"""The clinic portal end to end in headless Chromium (Debian's /usr/bin/chromium).

A nurse signs in and enrols a patient through the form; the consent invitation shows in the
timeline; the patient's YES and then a red-flag reply arrive as signed Twilio webhooks; the
open alerts inbox shows the alert on its own (polling) and the nurse acknowledges it with a
note. The patient page must fit a 375 px wide phone screen. Screenshots go to
test-artifacts/ and the README's two to docs/screenshots/.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.browser.conftest import ARTIFACTS, CHROMIUM, serving
from tests.conftest import TEST_AUTH_TOKEN
from tests.helpers import free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
NURSE = "nurse@riverside.example.org"
SENDER = "+12025550100"
PATIENT_PHONE = "+16175550142"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture
def live_server(cli_env, monkeypatch):
    from lupus_sms.clinics.models import Clinic
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.core.migrations import upgrade
    from lupus_sms.users.models import User
    from lupus_sms.users.passwords import hash_password

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Webhooks are verified against the test token and this URL, as Twilio's would be.
    for name, value in {
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_FROM_NUMBER": SENDER, "SMS_TRANSPORT": "console", "PUBLIC_BASE_URL": base_url,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    upgrade(cli_env["DATABASE_URL"])
    with get_sessionmaker()() as db:
        clinic = Clinic(name="Riverside Lupus Clinic", office_phone="+16175550100",
                        urgent_phone="+16175550199", timezone="America/New_York")  # fmt: skip
        db.add(clinic)
        db.flush()
        db.add(User(email=NURSE, password_hash=hash_password(PASSWORD), role="nurse",
                    clinic_id=clinic.id))  # fmt: skip
        db.commit()
    with serving(port):
        yield base_url


def patient_texts(base_url: str, body: str) -> None:
    """A signed Twilio webhook, as the patient's reply would arrive."""
    data = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
            "From": PATIENT_PHONE, "To": SENDER, "Body": body, "NumMedia": "0"}  # fmt: skip
    url = f"{base_url}/twilio/sms"
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, data)
    response = httpx.post(url, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


def test_enrol_consent_red_flag_and_acknowledge(live_server, chromium):
    from playwright.sync_api import expect

    from lupus_sms.core.clock import system_clock

    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/portal/login")
    page.fill("#email", NURSE)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal/patients")

    page.click("text=Enrol a patient")
    page.click("#enrol")  # nothing filled in: the errors sit next to their fields
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.locator("#program-error")).to_have_text("Choose a program.")
    expect(page.locator("#timezone")).to_have_value("America/New_York")
    page.fill("#phone", "(617) 555-0142")
    page.fill("#name", "Ada Moreno")
    page.select_option("#program", "ahsct")
    day_0 = (system_clock.now() + timedelta(days=10)).date().isoformat()
    page.fill("#procedure_date", day_0)
    page.click("#enrol")
    page.wait_for_url("**/portal/patients/*?done=enrolled")
    expect(page.locator("#patient-status")).to_have_text("pending consent")
    expect(page.locator("#timeline")).to_contain_text("Consent invitation sent")
    expect(page.locator("#timeline")).to_contain_text("Sent: consent invitation")
    patient_url = page.url.split("?")[0]

    patient_texts(live_server, "YES")
    page.goto(patient_url)
    expect(page.locator("#patient-status")).to_have_text("active")
    expect(page.locator("#timeline")).to_contain_text("Consent confirmed (replied YES)")
    expect(page.locator("#upcoming li").first).to_be_visible()

    page.goto(f"{live_server}/portal/alerts")
    expect(page.locator("#open-alerts")).to_contain_text("Nothing open")
    expect(page.locator("#open-alert-count")).to_have_text("0")
    patient_texts(live_server, "I have a fever of 39.2 and chills")
    # No reload here: the inbox notices the new alert by itself within 30 seconds.
    alert = page.locator("#open-alerts li.alert-red_flag")
    expect(alert).to_contain_text("I have a fever of 39.2 and chills", timeout=30_000)
    expect(alert).to_contain_text("Ada Moreno")
    expect(page.locator("#open-alert-count")).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "portal-alerts.png"), full_page=True)

    page.goto(patient_url)
    expect(page.locator("#timeline")).to_contain_text("Alert: red flag")
    expect(page.locator("#timeline")).to_contain_text("Patient texted")
    page.screenshot(path=str(ARTIFACTS / "portal-patient.png"), full_page=True)

    page.goto(f"{live_server}/portal/alerts")
    page.locator("#open-alerts details.note summary").click()
    page.locator("#open-alerts input[name=note]").fill("Called Ada; she is on her way to the ER.")
    page.locator("#open-alerts button[type=submit]").click()
    page.wait_for_url("**/portal/alerts?done=acknowledged")
    expect(page.locator("#open-alerts")).to_contain_text("Nothing open")
    expect(page.locator("#closed-alerts")).to_contain_text("Called Ada; she is on her way")
    expect(page.locator("#open-alert-count")).to_have_text("0")

    phone = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                storage_state=context.storage_state())  # fmt: skip
    small = phone.new_page()
    for url in (patient_url, f"{live_server}/portal/patients", f"{live_server}/portal/alerts"):
        small.goto(url)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
    phone.close()
    context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("portal-patient.png", "portal-alerts.png"):
        shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)
