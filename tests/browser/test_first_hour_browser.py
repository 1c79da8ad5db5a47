"""What a newcomer sees, in headless Chromium with the outside network blocked: the start
page, the API docs from shipped assets, and the admin and portal pages at desktop and at
390 px (nothing wider than the screen, the sign-out button on screen, readable labels).
Screenshots go to test-artifacts/ and the README's to docs/screenshots/.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, CHROMIUM, serving
from tests.helpers import free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
OWNER = "owner@example.org"
CLINIC_ADMIN = "lead.nurse@example.org"
LONG_UNKNOWN = "is-" + "x" * 90  # one unbreakable word, longer than any card
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}

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

    monkeypatch.setenv("CONTENT_REVIEW_REQUIRED", "false")
    get_settings.cache_clear()
    upgrade(cli_env["DATABASE_URL"])
    with get_sessionmaker()() as db:
        fill(db, now=system_clock.now(), content_dir=get_settings().content_dir)
        clinic_id = _people_and_an_unknown_text(db, system_clock.now())
        db.commit()
    with serving(free_port()) as base_url:
        yield base_url, clinic_id


def _people_and_an_unknown_text(db, now) -> int:
    """An owner, a clinic admin of the demo clinic, and a text the content does not cover;
    returns the demo clinic's id."""
    from sqlalchemy import select

    from lupus_sms.clinics.models import Clinic
    from lupus_sms.messaging.models import Message
    from lupus_sms.users import service as users
    from lupus_sms.users.models import User
    from lupus_sms.users.passwords import hash_password

    users.create(db, email=OWNER, password=PASSWORD, role="owner")
    clinic = db.scalar(select(Clinic).where(Clinic.is_demo))
    db.add(User(email=CLINIC_ADMIN, password_hash=hash_password(PASSWORD), role="clinic_admin",
                clinic_id=clinic.id))  # fmt: skip
    asked = Message(direction="inbound", phone="+16175550177", kind="inbound", body=LONG_UNKNOWN,
                    status="received", created_at=now - timedelta(hours=1))  # fmt: skip
    db.add(asked)
    db.flush()
    db.add(Message(direction="outbound", phone="+16175550177", kind="hint", body="Text MENU",
                   status="delivered", in_reply_to_id=asked.id,
                   created_at=asked.created_at))  # fmt: skip
    return clinic.id


def _offline_context(chromium, viewport, blocked: list[str], **options):
    """A browser context that can reach this machine's server and nothing else."""
    context = chromium.new_context(viewport=viewport, **options)

    def only_local(route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context


def _sign_in(page, base_url: str, console: str, email: str) -> None:
    page.goto(f"{base_url}/{console}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _fits(page, url: str, width: int) -> None:
    page.goto(url)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (url, scroll)
    sign_out = page.locator("header button[type=submit]")
    if sign_out.count():
        box = sign_out.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (url, box)


def test_a_newcomer_finds_the_docs_offline_and_every_page_fits_a_phone(live_server, chromium):
    from playwright.sync_api import expect

    base_url, clinic_id = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []
    desktop = _offline_context(chromium, DESKTOP, blocked)
    page = desktop.new_page()

    page.goto(base_url)
    expect(page.locator("a[href='/docs']")).to_be_visible()
    page.click("a[href='/docs']")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() > 10
    page.goto(f"{base_url}/redoc")
    summary = page.get_by_text("What is planned for a patient").first
    expect(summary).to_be_attached(timeout=15_000)
    assert blocked == []  # nothing was even attempted outside this machine

    _sign_in(page, base_url, "admin", OWNER)
    admin_pages = [f"{base_url}/admin/{path}" for path in (
        "dashboard", "content", "content/edit/topic:lupus", "content/edit/es/messages",
        "clinics", f"clinics/{clinic_id}/patients", "audit", "simulator",
    )]  # fmt: skip
    page.goto(f"{base_url}/admin/dashboard")
    unknown = page.locator("#unknown-texts")
    expect(unknown).to_contain_text(LONG_UNKNOWN[:20])
    assert unknown.evaluate("card => card.scrollWidth <= card.clientWidth")
    for label in page.locator(".plot .axis span, .legend li, table.bars th").all()[:12]:
        assert float(label.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 12
    page.screenshot(path=str(ARTIFACTS / "admin-dashboard.png"), full_page=True)

    page.goto(f"{base_url}/admin/content/edit/topic:lupus")
    english, spanish = page.locator("#column-en"), page.locator("#column-es")
    assert english.bounding_box()["x"] < spanish.bounding_box()["x"]  # side by side
    spanish_counter = page.locator("section[lang=es] [data-field=readability]").first
    expect(page.locator("section[lang=es] [data-field=readability_measure]").first).to_have_text(
        "Fernández-Huerta reading ease"
    )
    expect(spanish_counter).to_have_text(re.compile(r"^\d+(\.\d)?$"), timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "admin-editor.png"), full_page=True)
    page.goto(f"{base_url}/admin/content")
    page.screenshot(path=str(ARTIFACTS / "admin-content.png"))

    portal = _offline_context(chromium, DESKTOP, blocked)
    clinic_page = portal.new_page()
    _sign_in(clinic_page, base_url, "portal", CLINIC_ADMIN)
    clinic_page.goto(f"{base_url}/portal/settings")
    start, end = clinic_page.locator("#send_window_start"), clinic_page.locator("#send_window_end")
    expect(start).to_have_value("08:00")
    assert start.bounding_box()["y"] == end.bounding_box()["y"]  # the two fields line up
    assert start.get_attribute("type") == "text"
    clinic_page.goto(f"{base_url}/portal/patients")
    clinic_page.locator("table.patients a").first.click()
    patient_url = clinic_page.url
    clinic_page.click("#show-phone")
    call = clinic_page.locator("#call-patient")
    expect(call).to_have_attribute("href", re.compile(r"^tel:\+1617555\d{4}$"))
    portal_pages = [f"{base_url}/portal/{path}" for path in (
        "patients", "alerts", "settings", "users", "keys",
    )] + [patient_url, f"{patient_url}/unenroll"]  # fmt: skip

    for name, pages, state in (
        ("admin", admin_pages, desktop.storage_state()),
        ("portal", portal_pages, portal.storage_state()),
    ):
        phone = _offline_context(chromium, PHONE, blocked, is_mobile=True, storage_state=state)
        small = phone.new_page()
        for url in pages:
            _fits(small, url, PHONE["width"])
        if name == "admin":
            small.goto(admin_pages[0])
            small.screenshot(path=str(ARTIFACTS / "admin-dashboard-phone.png"), full_page=True)
        phone.close()
    assert blocked == []
    portal.close()
    desktop.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("admin-dashboard.png", "admin-editor.png", "admin-content.png"):
        shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)
