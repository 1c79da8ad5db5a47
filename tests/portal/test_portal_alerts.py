"""The portal's alerts inbox: order, acknowledging with a note, who may, the open count, and
that no clinic sees or acknowledges another's alerts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lupus_sms.alerts.models import Alert
from tests.conftest import DEFAULT_NOW
from tests.factories import make_clinic, make_patient


@pytest.fixture
def clinic(db):
    return make_clinic(db)


def _alert(db, clinic, *, kind="red_flag", minutes_ago=0, status="open", text="help", **extra):
    at = DEFAULT_NOW - timedelta(minutes=minutes_ago)
    extra.setdefault("severity", "urgent" if kind == "red_flag" else "routine")
    extra.setdefault("priority", "high" if kind == "red_flag" else "low")
    alert = Alert(clinic_id=clinic.id, kind=kind, status=status, text=text,
                  created_at=at, updated_at=at, **extra)  # fmt: skip
    db.add(alert)
    db.commit()
    return alert


def test_open_items_by_severity_then_the_longest_waiting_first(portal_client, clinic, db):
    patient = make_patient(db, clinic, name="Ada Moreno")
    _alert(db, clinic, kind="needs_review", minutes_ago=1, text="review newest")
    _alert(db, clinic, kind="red_flag", minutes_ago=90, text="red older", patient_id=patient.id)
    _alert(db, clinic, kind="no_response", minutes_ago=30, text="quiet middle")
    _alert(db, clinic, kind="red_flag", minutes_ago=5, text="red newest", categories="fever")
    _alert(db, clinic, kind="red_flag", minutes_ago=1, text="cant breathe", severity="critical",
           category="breathing", categories="breathing")  # fmt: skip
    _alert(db, clinic, kind="needs_review", minutes_ago=3, text="my back hurts", severity="high",
           priority="high")  # fmt: skip
    _alert(db, clinic, kind="red_flag", minutes_ago=2, status="acknowledged", text="closed one",
           acknowledged_by="nurse@example.org", acknowledged_at=DEFAULT_NOW)  # fmt: skip
    page = portal_client(clinic, "nurse").get("/portal/alerts")
    assert page.status_code == 200
    open_list = re.search(r'<ol class="alerts" id="open-alerts">(.*?)</ol>', page.text, re.S)
    words = re.findall(r"<blockquote>([^<]+)</blockquote>", open_list.group(1))
    assert words == [
        "cant breathe", "red older", "red newest", "my back hurts", "quiet middle", "review newest"
    ]  # fmt: skip
    assert "waiting 1 h 30 min" in page.text and "waiting 5 min" in page.text
    assert "Tue 10 Mar 2026, 10:55 EDT" in page.text and "(America/New_York)" in page.text
    assert "Ada Moreno" in page.text
    assert "closed one" in page.text.split("Recently closed")[1]
    assert re.search(r'id="open-alert-count"[^>]*>6<', page.text)
    critical = re.search(r'<li class="alert alert-red_flag sev-critical cat-breathing"', page.text)
    assert critical and "Breathing problem" in page.text  # the category, as people say it


def test_a_nurse_acknowledges_with_a_note(portal_client, clinic, db):
    alert = _alert(db, clinic)
    nurse = portal_client(clinic, "nurse")
    response = nurse.post(
        f"/portal/alerts/{alert.id}/acknowledge",
        {"note": "Called her; going to the ER."},
        page="/portal/alerts",
    )
    assert response.status_code == 303
    db.refresh(alert)
    assert alert.status == "acknowledged"
    assert (alert.acknowledged_by, alert.acknowledge_note) == (
        nurse.user.email, "Called her; going to the ER.",
    )  # fmt: skip
    assert alert.acknowledged_at == DEFAULT_NOW
    page = nurse.get("/portal/alerts?done=acknowledged").text
    assert "Nothing open" in page and "Called her; going to the ER." in page
    again = nurse.post(f"/portal/alerts/{alert.id}/acknowledge", {}, page="/portal/alerts")
    assert again.status_code == 409 and "already acknowledged" in again.text


def test_a_clinic_admin_may_acknowledge_too(portal_client, clinic, db):
    alert = _alert(db, clinic)
    admin = portal_client(clinic, "clinic_admin")
    assert (
        admin.post(f"/portal/alerts/{alert.id}/acknowledge", page="/portal/alerts").status_code
        == 303
    )
    db.refresh(alert)
    assert alert.status == "acknowledged" and alert.acknowledge_note is None


def test_a_coordinator_sees_alerts_but_cannot_acknowledge(portal_client, clinic, db):
    alert = _alert(db, clinic, text="chest pain")
    coordinator = portal_client(clinic, "coordinator")
    page = coordinator.get("/portal/alerts")
    assert "chest pain" in page.text and "/acknowledge" not in page.text
    response = coordinator.post(f"/portal/alerts/{alert.id}/acknowledge", {"note": "x"},
                                page="/portal/alerts")  # fmt: skip
    assert response.status_code == 403
    db.refresh(alert)
    assert alert.status == "open"


def test_another_clinics_alert_is_not_found(portal_client, clinic, db):
    theirs = _alert(db, make_clinic(db, name="Lakeside Clinic"), text="their secret words")
    nurse = portal_client(clinic, "nurse")
    assert "their secret words" not in nurse.get("/portal/alerts").text
    assert nurse.get("/portal/alerts/open-count").json()["open"] == 0
    for alert_id in (theirs.id, 999999, 2**40):
        response = nurse.post(f"/portal/alerts/{alert_id}/acknowledge", {"note": "mine now"},
                              page="/portal/alerts")  # fmt: skip
        assert response.status_code == 404, alert_id
    db.refresh(theirs)
    assert theirs.status == "open" and theirs.acknowledge_note is None


def test_open_count_json_for_polling(portal_client, new_browser, clinic, db):
    nurse = portal_client(clinic, "nurse")
    assert nurse.get("/portal/alerts/open-count").json() == {
        "open": 0, "newest_open_id": None, "newest_text_at": None,
    }  # fmt: skip
    _alert(db, clinic)
    newest = _alert(db, clinic, kind="needs_review")
    _alert(db, clinic, status="acknowledged")
    response = nurse.get("/portal/alerts/open-count")
    assert response.json() == {"open": 2, "newest_open_id": newest.id, "newest_text_at": None}
    assert response.headers["cache-control"] == "no-store"
    assert new_browser().get("/portal/alerts/open-count").status_code == 303


def test_every_page_loads_the_poller_and_shows_the_badge(portal_client, clinic, db):
    _alert(db, clinic)
    coordinator = portal_client(clinic, "coordinator")
    page = coordinator.get("/portal/patients").text
    assert '<script src="/portal/static/portal.js" defer></script>' in page
    assert 'id="open-alert-count"' in page and ">1</span>" in page
    script = coordinator.get("/portal/static/portal.js")
    assert script.status_code == 200 and "/portal/alerts/open-count" in script.text


def test_a_long_note_is_refused(portal_client, clinic, db):
    alert = _alert(db, clinic)
    nurse = portal_client(clinic, "nurse")
    response = nurse.post(f"/portal/alerts/{alert.id}/acknowledge", {"note": "x" * 2001},
                          page="/portal/alerts")  # fmt: skip
    assert response.status_code == 422
    db.refresh(alert)
    assert alert.status == "open"
