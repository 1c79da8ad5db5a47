"""The simulator answers through the real pipeline and leaves no trace; the dashboard."""

from __future__ import annotations

import re

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


def test_the_dashboard_counts_the_window_by_utc_day_and_status(browser_for, db, clock):
    """Counted by the database: per UTC day, failures over what left the outbox, topics by
    keyword; a text older than the window counts nowhere."""
    from datetime import timedelta

    now = clock.now()  # 2026-03-10 15:00 UTC
    late_on_the_9th = now.replace(day=9, hour=23, minute=30)
    early_on_the_10th = now.replace(hour=1)

    def add(when, direction, status, body="Hello", error_code=None):
        db.add(
            Message(
                direction=direction,
                phone="+12025550140",
                kind="inbound" if direction == "inbound" else "notice",
                body=body,
                status=status,
                error_code=error_code,
                created_at=when,
            )
        )

    add(late_on_the_9th, "inbound", "received", "LUPUS")
    add(late_on_the_9th, "inbound", "received", "lupus")
    add(late_on_the_9th, "outbound", "delivered")
    add(early_on_the_10th, "inbound", "received", "Lupus ")
    add(early_on_the_10th, "outbound", "failed", error_code="30003")
    add(early_on_the_10th, "outbound", "delivered")
    add(early_on_the_10th, "outbound", "delivered")
    add(early_on_the_10th, "outbound", "queued")
    add(now - timedelta(days=40), "outbound", "failed", error_code="30007")
    db.commit()

    page = browser_for("owner@example.org").get("/admin/dashboard").text

    assert "1 of 4 outbound texts failed." in page
    assert "25.0%" in page
    assert "30003" in page and "30007" not in page
    assert "<title>2026-03-09 inbound: 2</title>" in page  # two texts late on the 9th, UTC
    assert "<title>2026-03-10 out: delivered: 2</title>" in page  # delivered on the 10th
    # LUPUS asked three times, however typed: an HTML row, readable at any width.
    assert '<th scope="row">LUPUS</th>' in page
    assert re.search(
        r'<th scope="row">LUPUS</th><td class="bar-cell">.*?</td><td class="count">3<', page
    )


def _fills(page: str) -> dict[str, str]:
    """Legend entry -> its colour, read from the dashboard's messages chart."""
    return dict(
        (name, colour)
        for colour, name in re.findall(
            r'<rect width="1" height="1" fill="(#\w+)"/></svg>([^<]+)</li>', page
        )
    )


def test_status_colours_are_fixed_whatever_else_the_data_holds(browser_for, db, clock):
    owner = browser_for("owner@example.org")

    def add(status, code=None):
        db.add(Message(direction="outbound", phone="+12025550140", kind="notice", body="Hi",
                       status=status, error_code=code, created_at=clock.now()))  # fmt: skip
        db.commit()

    add("failed", "30006")
    only_failed = _fills(owner.get("/admin/dashboard").text)
    add("sent")
    add("delivered")
    add("undelivered", "30003")
    every = _fills(owner.get("/admin/dashboard").text)
    assert only_failed["out: failed"] == every["out: failed"] == "#c62828"
    assert every["out: delivered"] == "#2e7d32" and every["out: sent"] != every["out: failed"]
    # The legend follows the fixed order, not the alphabet or the data.
    assert list(every) == ["out: delivered", "out: sent", "out: undelivered", "out: failed"]


def test_error_codes_come_with_a_short_meaning_and_twilios_page(browser_for, db, clock):
    for code in ("30003", "30006", "21610", "30006"):
        db.add(Message(direction="outbound", phone="+12025550140", kind="notice", body="Hi",
                       status="undelivered", error_code=code, created_at=clock.now()))  # fmt: skip
    db.commit()
    page = browser_for("owner@example.org").get("/admin/dashboard").text
    for code, words in (("30003", "Unreachable handset"), ("30006", "Landline"),
                        ("21610", "texted STOP")):  # fmt: skip
        assert f'<a href="https://www.twilio.com/docs/api/errors/{code}"' in page
        assert re.search(rf">{code}</a><span class=\"meaning\">[^<]*{words}", page), code
