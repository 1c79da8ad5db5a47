"""The simulator answers through the real pipeline and leaves no trace; the dashboard."""

from __future__ import annotations

from sqlalchemy import func, select

from lupus_sms.messaging.models import Message, PhoneNumber
from tests.admin.test_content import save_topic


def simulate(admin, body: str, *, drafts: bool = True, phone: str = "+12025550177"):
    data = {"phone": phone, "body": body} | ({"drafts": "on"} if drafts else {})
    return admin.post("/admin/simulator", data, page="/admin/simulator")


def test_the_simulator_replies_like_the_bot_and_changes_nothing(browser_for, db):
    editor = browser_for("editor@example.org", "editor")
    before = db.scalar(select(func.count()).select_from(Message))
    response = simulate(editor, "MENU")
    assert response.status_code == 200
    assert "LUPUS - What lupus is" in response.text
    stop = simulate(editor, "STOP")
    assert stop.status_code == 200
    assert db.scalar(select(func.count()).select_from(Message)) == before
    assert db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+12025550177")) is None


def test_the_simulator_shows_drafts_before_they_go_live(browser_for, twilio):
    editor = browser_for("editor@example.org", "editor")
    save_topic(editor)  # a draft: review is on
    assert "lasting immune illness" in simulate(editor, "LUPUS").text
    assert "lasting immune illness" not in simulate(editor, "LUPUS", drafts=False).text
    assert "lasting immune illness" not in twilio.sms("LUPUS").text


def test_the_simulator_refuses_a_bad_number(browser_for):
    editor = browser_for("editor@example.org", "editor")
    response = simulate(editor, "MENU", phone="not a phone")
    assert response.status_code == 422


def test_the_dashboard_draws_svg_plots_without_patient_details(browser_for, twilio):
    twilio.sms("LUPUS", from_="+12025550131")
    twilio.sms("my name is Jane and my number is 617 555 0123", from_="+12025550132")
    owner = browser_for("owner@example.org")
    page = owner.get("/admin/dashboard").text
    assert page.count("<svg") >= 4
    assert "Messages per day" in page
    assert "+12025550131" not in page and "0123" not in page and "Jane" not in page
    assert "my name is [name] and my number is #" in page
