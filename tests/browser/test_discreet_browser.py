"""The discreet editor's lock-screen preview in headless Chromium: each discreet text drawn
as a small locked phone shows it, cut to its first lines, without a listed word."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM, serving
from tests.helpers import free_port

PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture
def live_server(cli_env):
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.core.migrations import upgrade
    from lupus_sms.users import service as users

    upgrade(cli_env["DATABASE_URL"])
    with get_sessionmaker()() as db:
        users.create(db, email="editor@example.org", password=PASSWORD, role="owner")
        db.commit()
    with serving(free_port()) as base_url:
        yield base_url


def test_the_discreet_editor_previews_texts_as_a_lock_screen(live_server, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", "editor@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/dashboard")
    page.goto(f"{live_server}/admin/content/edit/document:discreet")
    screen = page.locator('.lock-screen[data-path="plans.ahsct_collection_eve"]')
    expect(screen).to_be_visible()
    expect(screen.locator(".lock-screen-text")).to_contain_text(
        "Riverside Health: Hi Alex, a reminder that your visit is tomorrow."
    )
    box = screen.bounding_box()
    assert box is not None and box["width"] < 300  # a phone's screen, not a page
    text = screen.locator(".lock-screen-text")
    lines = text.evaluate(
        "e => Math.round(e.clientHeight / parseFloat(getComputedStyle(e).lineHeight))"
    )
    assert lines <= 3  # a lock screen shows the first lines only
    assert page.locator(".lock-screen").count() >= 30
    ARTIFACTS.mkdir(exist_ok=True)
    screen.screenshot(path=str(ARTIFACTS / "lock-screen-preview.png"))
    context.close()
