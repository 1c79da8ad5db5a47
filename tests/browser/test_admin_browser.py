"""End to end in headless Chromium (Debian's /usr/bin/chromium; no browser is downloaded).

Log in, edit a topic, watch the segment counter react to a curly quote, save, see the new
text in the simulator, restore the previous version, log out. Screenshots go to
test-artifacts/ (the README's come from test_first_hour_browser.py).
"""

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
def live_server(cli_env, monkeypatch):
    from lupus_sms.admin.demo import fill
    from lupus_sms.core.clock import system_clock
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.core.migrations import upgrade
    from lupus_sms.users import service as users

    monkeypatch.setenv("CONTENT_REVIEW_REQUIRED", "false")
    get_settings.cache_clear()
    upgrade(cli_env["DATABASE_URL"])
    with get_sessionmaker()() as db:
        users.create(db, email="editor@example.org", password=PASSWORD, role="owner")
        # The demo data gives the dashboard screenshot something to show.
        fill(db, now=system_clock.now(), content_dir=get_settings().content_dir)
        db.commit()
    with serving(free_port()) as base_url:
        yield base_url


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_edit_preview_simulate_restore_logout(live_server, page):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", "editor@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/dashboard")
    expect(page.locator("main")).to_contain_text("Demo Lupus Clinic")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.goto(f"{live_server}/admin/content")
    page.fill("#new-topic-key", "joint pain")
    page.click("#new-topic-button")
    page.wait_for_url("**/admin/content/edit/topic:joint_pain")
    expect(page.locator("h1")).to_contain_text("New topic joint_pain")

    page.goto(f"{live_server}/admin/content/edit/topic:lupus")
    first = page.locator("fieldset.part").first
    counter = first.locator("[data-field=encoding]")
    expect(counter).to_have_text("GSM-7")
    first.locator("textarea").fill(
        "Lupus is a lifelong illness. It’s not catching. Ask your care team."
    )
    expect(counter).to_have_text("UCS-2")
    expect(first.locator("[data-field=non_gsm]")).to_contain_text("U+2019")
    page.screenshot(path=str(ARTIFACTS / "editor.png"), full_page=True)
    page.fill("#note", "plainer first part")
    page.click("#save")
    page.wait_for_url("**/admin/content/history/**")

    page.goto(f"{live_server}/admin/simulator")
    page.fill("#sim-body", "LUPUS")
    page.click("#simulate")
    assert "lifelong illness" in page.locator("#sim-reply").text_content()

    page.goto(f"{live_server}/admin/content/history/topic:lupus")
    page.click("button[data-restore='1']")
    page.wait_for_url("**state=restored**")
    page.goto(f"{live_server}/admin/simulator")
    page.fill("#sim-body", "LUPUS")
    page.click("#simulate")
    assert "long-term autoimmune disease" in page.locator("#sim-reply").text_content()

    page.click("#logout")
    page.wait_for_url("**/admin/login")
    page.goto(f"{live_server}/admin/content")
    assert page.url.endswith("/admin/login")
