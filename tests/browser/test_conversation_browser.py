"""A nurse answers a review item by text, and the patient's answer comes into the conversation,
in headless Chromium (Debian's /usr/bin/chromium).

The patient asks something the keyword bot cannot answer (a review item); the nurse opens
the patient page from the item (?alert=), sees the patient's words, types a reply while the
segment counter follows (the same count as content/segments.py), and sends it. The patient's
next text, a signed Twilio webhook, belongs to the conversation: the nurse sees it on reload.
The conversation's screenshot goes to docs/screenshots/portal-thread.png for the README.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from lupus_sms.content.segments import analyze
from tests.browser import test_portal_browser as portal_browser
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.browser.test_portal_browser import (
    NURSE,
    PASSWORD,
    PATIENT_PHONE,
    SCREENSHOTS,
    patient_texts,
)

live_server = portal_browser.live_server  # the same server: a clinic and its nurse

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]
QUESTION = "Is the infusion covered by my insurance?"
REPLY = "Hi Ada, our financial counselor will call you today about coverage."
CALL_TODAY = (
    "Hi Ada, thank you for your message. Someone from your care team will call you today. "
    "If it gets worse before then, call (617) 555-0199, or 911 in an emergency."
)
# Where a count goes wrong: the last character of one segment, an escape pair or an emoji
# across a segment's end, one non-GSM character turning everything UCS-2.
AWKWARD = [
    "a" * 160, "a" * 161, "€" * 80, "€" * 81, "a" * 152 + "€" + "a" * 10, "😀" * 35,
    "😀" * 36, "x" * 66 + "😀" + "y" * 10, "ç" + "a" * 69, "ç" + "a" * 70, "é" * 160, "",
]  # fmt: skip
LONG = "Please bring your insurance card and a list of your medicines to the visit. " * 5


def _patient_with_a_review_item(base_url: str) -> tuple[int, int]:
    """A consented patient of the live clinic, whose question opened a review item."""
    from lupus_sms.alerts.models import Alert
    from lupus_sms.clinics.models import Clinic
    from lupus_sms.core.db import get_sessionmaker
    from tests.factories import make_patient

    with get_sessionmaker()() as db:
        clinic = db.scalar(select(Clinic))
        patient = make_patient(db, clinic, phone=PATIENT_PHONE, name="Ada Moreno")
        db.commit()
        patient_id = patient.id
    patient_texts(base_url, QUESTION)
    with get_sessionmaker()() as db:
        review = db.scalar(select(Alert).where(Alert.patient_id == patient_id))
        assert review.kind == "needs_review" and review.status == "open"
        return patient_id, review.id


def _review_status(alert_id: int) -> str:
    from lupus_sms.alerts.models import Alert
    from lupus_sms.core.db import get_sessionmaker

    with get_sessionmaker()() as db:
        return db.get(Alert, alert_id).status


def _sign_in(chromium, base_url: str, width: int = 1280):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}/portal/login")
    page.fill("#email", NURSE)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/portal/patients")
    return context, page


def test_a_nurse_answers_a_review_item_and_the_patient_answers_back(live_server, chromium):
    from playwright.sync_api import expect

    patient_id, alert_id = _patient_with_a_review_item(live_server)
    context, page = _sign_in(chromium, live_server)
    patient_url = f"{live_server}/portal/patients/{patient_id}"
    page.goto(f"{patient_url}?alert={alert_id}")
    expect(page.locator("#answering")).to_contain_text(QUESTION)
    expect(page.locator("#discreet-warning")).to_contain_text("do not name the illness")
    opening = page.locator("#compose-body").get_attribute("data-opening")
    assert opening.startswith("Your care team: this is a person from the clinic")

    segments = page.locator('#compose-count [data-field="segments"]')
    encoding = page.locator('#compose-count [data-field="encoding"]')
    expect(segments).to_have_text("0")
    page.fill("#compose-body", LONG)  # long enough for a third segment: the box says so
    expect(segments).to_have_text(str(analyze(f"{opening}\n\n{LONG.strip()}").segments))
    expect(page.locator("#compose-long")).to_contain_text("segments: each one is billed")
    page.fill("#compose-body", REPLY.replace("Ada,", "Ada’s"))  # a curly quote: UCS-2
    expect(encoding).to_have_text("UCS-2")
    expect(page.locator("#compose-count")).to_contain_text("UCS-2 because of: ’")
    page.fill("#compose-body", REPLY)
    expected = analyze(f"{opening}\n\n{REPLY}")
    expect(segments).to_have_text(str(expected.segments))
    expect(encoding).to_have_text("GSM-7")
    expect(page.locator("#compose-long")).to_be_hidden()

    for text in AWKWARD:  # the box counts as the service does (content/segments.py)
        counted = page.evaluate("text => window.composeSegments(text)", text)
        info = analyze(text)
        assert (counted["encoding"], counted["segments"]) == (info.encoding, info.segments), text

    page.click("#compose-send")
    page.wait_for_url("**/portal/patients/*?sent=*")
    expect(page.locator("#sent")).to_have_text("Queued: it goes out now.")
    expect(page.locator("#timeline .event-staff").first).to_contain_text(f"{NURSE} wrote")
    expect(page.locator("#timeline .event-staff").first).to_contain_text(REPLY)
    assert _review_status(alert_id) == "acknowledged"

    patient_texts(live_server, "Thank you! I will wait for the call.")
    page.goto(patient_url)  # the reload: the answer is in the conversation, unread till now
    expect(page.locator("#thread-unread")).to_have_text("1 unread")
    expect(page.locator("#timeline .event-inbound").first).to_contain_text("I will wait")
    expect(page.locator("#thread-state")).to_contain_text(f"assigned to {NURSE}")
    page.select_option("#compose-template", "call_today")  # the picker fills the box
    expect(page.locator("#compose-body")).to_have_value(CALL_TODAY)
    # The conversation runs now: no opening line before the text.
    expect(segments).to_have_text(str(analyze(CALL_TODAY).segments))
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#conversation").screenshot(path=str(ARTIFACTS / "portal-thread.png"))

    phone = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                 storage_state=context.storage_state())  # fmt: skip
    small = phone.new_page()
    small.goto(f"{patient_url}?alert={alert_id}")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "portal-thread.png", SCREENSHOTS / "portal-thread.png")
