"""The portal inbox end to end in headless Chromium (Debian's /usr/bin/chromium).

A nurse has written to one patient, who answers twice; another patient texts a red flag and
a third something that needs a look. The inbox shows the red flag, the review item and the
waiting conversation with its unread count in that order; the nurse assigns the
conversation to a colleague and marks it done in one click. The inbox must fit a 375 px
wide phone screen. The README's screenshot goes to docs/screenshots/portal-inbox.png.
"""

from __future__ import annotations

import shutil
import uuid

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.browser.conftest import ARTIFACTS, CHROMIUM, serving
from tests.conftest import TEST_AUTH_TOKEN
from tests.helpers import free_port

SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
NURSE = "nurse@riverside.example.org"
COLLEAGUE = "coordinator@riverside.example.org"
CLINIC_NUMBER = "+16175550142"
PATIENTS = {"ana": "+12025550123", "dan": "+12025550124", "rosa": "+12025550125"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture
def live_server(cli_env, monkeypatch):
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.migrations import upgrade

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Webhooks are verified against the test token and this URL, as Twilio's would be.
    for name, value in {
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_FROM_NUMBER": "+12025550100", "SMS_TRANSPORT": "console",
        "PUBLIC_BASE_URL": base_url,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    upgrade(cli_env["DATABASE_URL"])
    with serving(port):
        yield base_url


def _seed() -> int:
    """The clinic, its two users and three consented patients; the nurse writes to Ana."""
    from lupus_sms.audit.service import Actor
    from lupus_sms.clinics.models import Clinic
    from lupus_sms.core.clock import system_clock
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.threads import service as threads
    from lupus_sms.users.models import User
    from lupus_sms.users.passwords import hash_password
    from tests.factories import make_patient

    with get_sessionmaker()() as db:
        clinic = Clinic(name="Riverside Lupus Clinic", office_phone="+16175550100",
                        urgent_phone="+16175550199", timezone="America/New_York",
                        sender=CLINIC_NUMBER)  # fmt: skip
        db.add(clinic)
        db.flush()
        nurse = User(email=NURSE, password_hash=hash_password(PASSWORD), role="nurse",
                     clinic_id=clinic.id)  # fmt: skip
        db.add_all([nurse, User(email=COLLEAGUE, password_hash=hash_password(PASSWORD),
                                role="coordinator", clinic_id=clinic.id)])  # fmt: skip
        names = {"ana": "Ana Lopez", "dan": "Dan Reyes", "rosa": "Rosa Vega"}
        patients = {key: make_patient(db, clinic, phone=phone, name=names[key])
                    for key, phone in PATIENTS.items()}  # fmt: skip
        db.commit()
        threads.send_staff_message(
            db, clinic=clinic, patient_id=patients["ana"].id,
            body="Your lab results are in. Any questions about the infusion on Monday?",
            author=threads.StaffAuthor(Actor(NURSE, nurse.id), True),
            now=system_clock.now(), settings=get_settings(),
        )  # fmt: skip
        return patients["ana"].id


def patient_texts(base_url: str, who: str, body: str) -> None:
    """A signed Twilio webhook, as the patient's text would arrive."""
    data = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
            "From": PATIENTS[who], "To": CLINIC_NUMBER, "Body": body, "NumMedia": "0"}  # fmt: skip
    url = f"{base_url}/twilio/sms"
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, data)
    response = httpx.post(url, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


def test_the_inbox_orders_assigns_and_closes(live_server, chromium):
    from playwright.sync_api import expect

    ana_id = _seed()
    patient_texts(live_server, "ana", "Does my insurance cover the infusion?")
    patient_texts(live_server, "ana", "Also, can I eat before it?")
    patient_texts(live_server, "dan", "my chest feels crushed")
    patient_texts(live_server, "rosa", "my back hurts")

    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server}/portal/login")
    page.fill("#email", NURSE)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal/patients")
    expect(page.locator("#open-alert-count")).to_have_text("3")
    page.click("nav >> text=Inbox")
    page.wait_for_url("**/portal/alerts")

    rows = page.locator("#open-alerts > li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Red flag")
    expect(rows.nth(0)).to_contain_text("Dan Reyes")
    expect(rows.nth(1)).to_contain_text("Needs review")
    expect(rows.nth(1)).to_contain_text("Rosa Vega")
    conversation = rows.nth(2)
    expect(conversation).to_contain_text("Conversation")
    expect(conversation).to_contain_text("2 unread")
    expect(conversation).to_contain_text("Also, can I eat before it?")
    expect(conversation).to_contain_text(f"Assigned to {NURSE} (you)")
    reply = conversation.get_by_role("link", name="Reply")
    expect(reply).to_have_attribute("href", f"/portal/patients/{ana_id}#compose")
    page.screenshot(path=str(ARTIFACTS / "portal-inbox.png"), full_page=True)

    conversation.locator("select[name=user_id]").select_option(label=COLLEAGUE)
    conversation.get_by_role("button", name="Assign").click()
    page.wait_for_url("**/portal/alerts?done=assigned")
    expect(page.locator("#open-alerts > li").nth(2)).to_contain_text(f"Assigned to {COLLEAGUE}")
    page.click("#show-mine")
    expect(page.locator("#open-alerts")).to_contain_text("No open conversations assigned to you")
    page.click("#show-all")
    page.locator("#open-alerts > li").nth(2).get_by_role("button", name="Done").click()
    page.wait_for_url("**/portal/alerts?done=closed")
    expect(page.locator("#open-alerts > li")).to_have_count(2)
    expect(page.locator("#closed-conversations")).to_contain_text("Ana Lopez")
    expect(page.locator("#open-alert-count")).to_have_text("2")

    phone = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                 storage_state=context.storage_state())  # fmt: skip
    small = phone.new_page()
    small.goto(f"{live_server}/portal/alerts")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "portal-inbox.png", SCREENSHOTS / "portal-inbox.png")
