"""The portal inbox: alerts and conversations in one list, by severity then waiting time;
unread counts; the mine / unassigned / all filters; assigning a conversation to a colleague;
done in one click and re-opened by the patient's next text; the waiting count; and no clinic
seeing or touching another's conversations.

Conversations start as they do in the clinic: a staff message, then the patient's texts as
signed Twilio webhooks to the clinic's own number.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.audit.models import AuditEntry
from lupus_sms.audit.service import Actor
from lupus_sms.threads import service as threads
from lupus_sms.threads.models import Thread
from tests.factories import auth_headers, make_clinic, make_patient

CLINIC_NUMBER = "+16175550142"
OTHER_NUMBER = "+16175550143"


@pytest.fixture
def clinic(db):
    return make_clinic(db, sender=CLINIC_NUMBER)


@pytest.fixture
def patient_of(db):
    """A factory: a consented patient of `clinic` with this phone and name."""

    def make(clinic, phone: str, name: str):
        patient = make_patient(db, clinic, phone=phone, name=name)
        db.commit()
        return patient

    return make


@pytest.fixture
def converse(db, clock, settings, twilio):
    """A factory: a staff message to the patient (assigned to `by`, or to nobody), then each
    of `texts` from the patient, one minute apart; the thread."""

    def start(clinic, patient, *texts: str, by=None, to: str = CLINIC_NUMBER) -> Thread:
        actor = Actor(by.email, by.id) if by else Actor("front-desk@example.org", None)
        threads.send_staff_message(
            db, clinic=clinic, patient_id=patient.id, body="How are you feeling today?",
            author=threads.StaffAuthor(actor, True), now=clock.now(), settings=settings,
        )  # fmt: skip
        for text in texts:
            patient_texts(twilio, patient, text, to=to)
            clock.advance(minutes=1)
        thread = threads.thread_of_patient(db, clinic_id=clinic.id, patient_id=patient.id)
        db.refresh(thread)
        return thread

    return start


def patient_texts(twilio, patient, text: str, *, to: str = CLINIC_NUMBER) -> None:
    response = twilio.sms(text, from_=patient.phone_number.e164, to=to)
    assert response.status_code == 200, response.text


def open_rows(page) -> list[str]:
    """The open list's rows, in order: "alert-12", "thread-3"."""
    listed = re.search(r'<ol class="alerts" id="open-alerts">(.*?)</ol>', page.text, re.S)
    if listed is None:
        return []
    return re.findall(r'<li class="alert[^"]*" id="((?:alert|thread)-\d+)"', listed[1])


def row(page, dom_id: str) -> str:
    found = re.search(rf'<li class="[^"]*" id="{dom_id}"[^>]*>(.*?)</li>\s*(?=<li|</ol>)',
                      page.text, re.S)  # fmt: skip
    assert found, f"{dom_id} is not in the open list"
    return html.unescape(found[1])


def test_red_flags_come_first_then_conversations_by_waiting_time(
    portal_client, clinic, patient_of, converse, twilio, clock, db
):
    ana = patient_of(clinic, "+12025550123", "Ana Lopez")
    insurance = converse(clinic, ana, "Does my insurance cover the infusion?", "Hello?")
    ben = patient_of(clinic, "+12025550124", "Ben Ortiz")
    directions = converse(clinic, ben, "Where do I park for the clinic?")
    cara = patient_of(clinic, "+12025550125", "Cara Diaz")
    answered = converse(clinic, cara)  # staff wrote last: nothing waits
    clock.advance(minutes=30)
    dan = patient_of(clinic, "+12025550126", "Dan Reyes")
    patient_texts(twilio, dan, "my chest feels crushed")  # no conversation: a red flag alone
    eve = patient_of(clinic, "+12025550127", "Eve Cruz")
    self_harm = converse(clinic, eve)
    clock.advance(minutes=5)
    patient_texts(twilio, eve, "i dont see the point anymore")  # in a conversation
    red_flags = db.scalars(select(Alert).where(Alert.kind == "red_flag").order_by(Alert.id)).all()
    assert [(a.patient_id, a.severity) for a in red_flags] == [
        (dan.id, "critical"), (eve.id, "critical"),
    ]  # fmt: skip

    page = portal_client(clinic, "nurse").get("/portal/alerts")

    assert page.status_code == 200 and "<title>Inbox" in page.text
    assert open_rows(page) == [
        f"alert-{red_flags[0].id}",  # newer than the insurance question, but critical
        f"alert-{red_flags[1].id}",  # self-harm: above any question, its conversation too
        f"thread-{insurance.id}",  # waiting since the first of its two texts
        f"thread-{directions.id}",
        f"thread-{self_harm.id}",  # routine itself: its red flag is the alert above
        f"thread-{answered.id}",  # answered: after everything that waits
    ]
    first = row(page, f"thread-{insurance.id}")
    assert "Conversation" in first and "Ana Lopez" in first and "2 unread" in first
    assert "Hello?" in first  # the newest text
    assert "waiting 38 min" in first
    assert f'href="/portal/patients/{ana.id}#compose"' in first
    assert "nothing waiting" in row(page, f"thread-{answered.id}")
    assert "unread" not in row(page, f"thread-{answered.id}")
    red_flag = row(page, f"alert-{red_flags[0].id}")
    assert "Red flag" in red_flag and "Dan Reyes" in red_flag
    assert f'href="/portal/patients/{dan.id}?alert={red_flags[0].id}#compose"' in red_flag
    assert re.search(r'id="open-alert-count"[^>]*>5<', page.text)  # 2 alerts, 3 waiting
    assert ">Inbox <span" in page.text


def test_filters_mine_unassigned_and_all(portal_client, portal_user, clinic, patient_of, converse,
                                         twilio):  # fmt: skip
    nurse = portal_client(clinic, "nurse")
    colleague = portal_user(clinic, "coordinator")
    mine = converse(clinic, patient_of(clinic, "+12025550123", "Ana Lopez"), "hi", by=nurse.user)
    theirs = converse(clinic, patient_of(clinic, "+12025550124", "Ben Ortiz"), "hi",
                      by=colleague)  # fmt: skip
    nobodys = converse(clinic, patient_of(clinic, "+12025550125", "Cara Diaz"), "hi")
    patient_texts(twilio, patient_of(clinic, "+12025550126", "Dan Reyes"), "temp is 38.9")

    everything = open_rows(nurse.get("/portal/alerts"))
    assert len(everything) == 4 and everything[0].startswith("alert-")
    assert open_rows(nurse.get("/portal/alerts?show=all")) == everything
    assert open_rows(nurse.get("/portal/alerts?show=mine")) == [f"thread-{mine.id}"]
    unassigned = open_rows(nurse.get("/portal/alerts?show=unassigned"))
    assert unassigned == [everything[0], f"thread-{nobodys.id}"]
    assert f"thread-{theirs.id}" in everything
    page = nurse.get("/portal/alerts?show=mine")
    assert re.search(r'id="show-mine"[^>]*aria-current="page"', page.text)
    assert f"{nurse.user.email} (you)" in row(page, f"thread-{mine.id}")
    assert nurse.get("/portal/alerts?show=everyone").status_code == 422


def test_assigning_to_a_colleague_and_to_nobody(portal_client, portal_user, clinic, patient_of,
                                                converse, db):  # fmt: skip
    coordinator = portal_client(clinic, "coordinator")
    nurse = portal_user(clinic, "nurse")
    thread = converse(clinic, patient_of(clinic, "+12025550123", "Ana Lopez"), "hi")
    page = coordinator.get("/portal/alerts")
    assert f'<option value="{nurse.id}">{nurse.email}</option>' in page.text

    response = coordinator.post(f"/portal/alerts/threads/{thread.id}/assign",
                                {"user_id": str(nurse.id), "show": "unassigned"},
                                page="/portal/alerts")  # fmt: skip

    assert response.status_code == 303
    assert response.headers["location"] == "/portal/alerts?show=unassigned&done=assigned"
    db.refresh(thread)
    assert thread.assigned_user_id == nurse.id
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "portal.thread.assign"))
    assert (entry.actor, entry.user_id) == (coordinator.user.email, coordinator.user.id)
    assert (
        entry.target == f"thread:{thread.id}"
        and entry.detail == f"clinic:{clinic.id} user:{nurse.id}"
    )
    page = coordinator.get("/portal/alerts?done=assigned")
    assert "Conversation assigned." in page.text
    assert f"Assigned to <strong>{nurse.email}</strong>" in page.text
    assert open_rows(coordinator.get("/portal/alerts?show=unassigned")) == []

    back = coordinator.post(f"/portal/alerts/threads/{thread.id}/assign", {"user_id": ""},
                            page="/portal/alerts")  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == "/portal/alerts?done=assigned"
    db.refresh(thread)
    assert thread.assigned_user_id is None


def test_a_conversation_of_a_deactivated_assignee_is_nobodys(
    portal_client, portal_user, clinic, patient_of, converse, client, db
):
    admin = portal_client(clinic, "clinic_admin")
    nurse = portal_user(clinic, "nurse")
    thread = converse(clinic, patient_of(clinic, "+12025550123", "Ana Lopez"), "hi", by=nurse)
    assert open_rows(admin.get("/portal/alerts?show=unassigned")) == []

    off = admin.post(f"/portal/users/{nurse.id}/active", {"active": "false"},
                     page="/portal/users")  # fmt: skip
    assert off.status_code == 303

    page = admin.get("/portal/alerts?show=unassigned")
    assert open_rows(page) == [f"thread-{thread.id}"]
    shown = row(page, f"thread-{thread.id}")
    assert f"Unassigned ({nurse.email} is deactivated)" in shown
    assert "Assigned to" not in shown
    assert '<option value="" selected>nobody</option>' in shown
    assert f'value="{nurse.id}"' not in shown  # not someone it can be given to
    patient_page = admin.get(f"/portal/patients/{thread.patient_id}").text
    state = re.search(r'<p class="thread-state" id="thread-state">(.*?)</p>', patient_page, re.S)
    assert "not assigned" in state[1] and nurse.email not in state[1]
    listed = client.get("/api/v1/conversations", params={"assignee": "none"},
                        headers=auth_headers(db, clinic))  # fmt: skip
    assert [item["id"] for item in listed.json()["items"]] == [thread.id]


def test_an_unenrolled_or_erased_patients_conversation_leaves_the_open_list(
    portal_client, clinic, patient_of, converse, client, db
):
    coordinator = portal_client(clinic, "coordinator")
    ana = patient_of(clinic, "+12025550123", "Ana Lopez")
    ben = patient_of(clinic, "+12025550124", "Ben Ortiz")
    unenrolled = converse(clinic, ana, "a question")
    erased = converse(clinic, ben, "another question")
    stays = converse(clinic, patient_of(clinic, "+12025550125", "Cara Diaz"), "hi")
    api = auth_headers(db, clinic)
    assert coordinator.get("/portal/alerts/open-count").json()["open"] == 3

    page = f"/portal/patients/{ana.id}/unenroll"
    assert coordinator.post(page, {"confirm": "yes"}, page=page).status_code == 303
    assert client.delete(f"/api/v1/patients/{ben.id}?erase=true", headers=api).status_code == 204

    for show in ("all", "unassigned"):
        assert open_rows(coordinator.get(f"/portal/alerts?show={show}")) == [f"thread-{stays.id}"]
    assert coordinator.get("/portal/alerts/open-count").json()["open"] == 1
    listed = client.get("/api/v1/conversations", params={"status": "open"}, headers=api)
    assert [item["id"] for item in listed.json()["items"]] == [stays.id]
    everything = client.get("/api/v1/conversations", headers=api).json()["items"]
    assert {item["id"] for item in everything} == {unenrolled.id, erased.id, stays.id}
    state = re.search(r'<p class="thread-state" id="thread-state">(.*?)</p>',
                      coordinator.get(f"/portal/patients/{ana.id}").text, re.S)[1]  # fmt: skip
    assert "Ended: the patient is unenrolled" in state and "texts come here" not in state


def test_a_user_of_another_clinic_or_no_user_is_refused_with_a_clear_page(
    portal_client, portal_user, clinic, patient_of, converse, db
):
    nurse = portal_client(clinic, "nurse")
    thread = converse(clinic, patient_of(clinic, "+12025550123", "Ana Lopez"), "hi",
                      by=nurse.user)  # fmt: skip
    stranger = portal_user(make_clinic(db, name="Harbor Clinic", sender=OTHER_NUMBER), "nurse")
    for user_id in (str(stranger.id), "999999", "abc", "-3"):
        response = nurse.post(f"/portal/alerts/threads/{thread.id}/assign", {"user_id": user_id},
                              page="/portal/alerts")  # fmt: skip
        assert response.status_code == 422, user_id
        assert response.headers["content-type"].startswith("text/html")
        assert "active user of this clinic" in response.text or "Choose a colleague" in (
            response.text
        )
    db.refresh(thread)
    assert thread.assigned_user_id == nurse.user.id
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "portal.thread.assign")) is None


def test_done_in_one_click_then_the_patients_next_text_opens_it_again(
    portal_client, clinic, patient_of, converse, twilio, db
):
    coordinator = portal_client(clinic, "coordinator")
    ana = patient_of(clinic, "+12025550123", "Ana Lopez")
    thread = converse(clinic, ana, "Does my insurance cover the infusion?")
    assert coordinator.get("/portal/alerts/open-count").json()["open"] == 1

    response = coordinator.post(f"/portal/alerts/threads/{thread.id}/done", {},
                                page="/portal/alerts")  # fmt: skip

    assert response.status_code == 303 and response.headers["location"] == (
        "/portal/alerts?done=closed"
    )
    db.refresh(thread)
    assert (thread.status, thread.closed_by) == ("done", coordinator.user.email)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "portal.thread.close"))
    assert entry.actor == coordinator.user.email and entry.target == f"thread:{thread.id}"
    page = coordinator.get("/portal/alerts?done=closed")
    assert open_rows(page) == [] and "Conversation marked done" in page.text
    closed = re.search(r'<table id="closed-conversations">(.*?)</table>', page.text, re.S)[1]
    assert "Ana Lopez" in closed and coordinator.user.email in closed
    assert coordinator.get("/portal/alerts/open-count").json()["open"] == 0
    again = coordinator.post(f"/portal/alerts/threads/{thread.id}/done", {},
                             page="/portal/alerts")  # fmt: skip
    assert again.status_code == 409 and "already closed" in again.text

    patient_texts(twilio, ana, "Sorry, one more thing: can I eat before?")

    page = coordinator.get("/portal/alerts")
    assert open_rows(page) == [f"thread-{thread.id}"]
    reopened = row(page, f"thread-{thread.id}")
    assert "1 unread" in reopened and "can I eat before?" in reopened
    assert coordinator.get("/portal/alerts/open-count").json()["open"] == 1


def test_another_clinics_conversations_are_neither_seen_nor_touched(
    portal_client, clinic, patient_of, converse, db
):
    owner = portal_client(clinic, "nurse")
    thread = converse(clinic, patient_of(clinic, "+12025550123", "Ana Lopez"),
                      "my secret question", by=owner.user)  # fmt: skip
    other = make_clinic(db, name="Harbor Clinic", sender=OTHER_NUMBER)
    attacker = portal_client(other, "clinic_admin")

    inbox = html.unescape(attacker.get("/portal/alerts").text)
    assert "my secret question" not in inbox and "Ana Lopez" not in inbox
    assert attacker.get("/portal/alerts/open-count").json()["open"] == 0
    for show in ("mine", "unassigned"):
        assert open_rows(attacker.get(f"/portal/alerts?show={show}")) == []
    missing = attacker.post("/portal/alerts/threads/999999/done", {}, page="/portal/alerts")
    assert missing.status_code == 404
    for action, data in (("done", {}), ("assign", {"user_id": str(attacker.user.id)})):
        response = attacker.post(f"/portal/alerts/threads/{thread.id}/{action}", data,
                                 page="/portal/alerts")  # fmt: skip
        assert (response.status_code, response.text) == (404, missing.text), action
    assert attacker.get(f"/portal/alerts?open_after=thread-{thread.id}").status_code == 404
    db.refresh(thread)
    assert (thread.status, thread.assigned_user_id) == ("open", owner.user.id)
    assert "my secret question" in owner.get("/portal/alerts").text


def test_the_waiting_count_counts_open_alerts_and_unanswered_conversations(
    portal_client, clinic, patient_of, converse, twilio, clock
):
    nurse = portal_client(clinic, "nurse")
    ana = patient_of(clinic, "+12025550123", "Ana Lopez")
    waiting = converse(clinic, ana, "a question")
    converse(clinic, patient_of(clinic, "+12025550124", "Ben Ortiz"))  # answered: not counted
    patient_texts(twilio, patient_of(clinic, "+12025550125", "Cara Diaz"), "temp is 38.9")

    response = nurse.get("/portal/alerts/open-count")

    body = response.json()
    assert body["open"] == 2 and body["newest_open_id"] is not None
    assert body["newest_text_at"] == waiting.last_patient_at.isoformat()
    assert response.headers["cache-control"] == "no-store"
    assert re.search(r'id="open-alert-count"[^>]*>2<', nurse.get("/portal/patients").text)
    assert f'data-newest-text-at="{body["newest_text_at"]}"' in nurse.get("/portal/alerts").text
    clock.advance(minutes=3)
    patient_texts(twilio, ana, "still there?")
    later = nurse.get("/portal/alerts/open-count").json()
    assert later["open"] == 2 and later["newest_text_at"] != body["newest_text_at"]


def test_every_open_item_is_reachable_page_by_page_both_ways(
    portal_client, clinic, patient_of, converse, twilio, clock, monkeypatch
):
    from lupus_sms.portal import inbox

    monkeypatch.setattr(inbox, "OPEN_LIMIT", 2)
    nurse = portal_client(clinic, "nurse")
    for index in range(4):
        patient = patient_of(clinic, f"+1202555013{index}", f"Patient {index}")
        converse(clinic, patient, *(("a question",) if index % 2 else ()))
        patient_texts(twilio, patient, "temp is 38.9")  # an alert, and a text of the thread
    expected = open_rows(nurse.get("/portal/alerts"))
    monkeypatch.setattr(inbox, "OPEN_LIMIT", 200)
    everything = open_rows(nurse.get("/portal/alerts"))
    monkeypatch.setattr(inbox, "OPEN_LIMIT", 2)
    assert expected == everything[:2] and len(everything) == 8

    pages, url = [], "/portal/alerts"
    while url:
        page = nurse.get(url)
        pages.append(open_rows(page))
        url = _link(page, "next")
    assert [item for rows in pages for item in rows] == everything
    back, url = [], _link(nurse.get(f"/portal/alerts?open_after={everything[-3]}"), "prev")
    while url:
        page = nurse.get(url)
        back.insert(0, open_rows(page))
        url = _link(page, "prev")
    assert [item for rows in back for item in rows] == everything[:-2]
    for query in ("open_after=thread-abc", "open_after=thread-0", "open_before=folder-3"):
        assert nurse.get(f"/portal/alerts?{query}").status_code in (404, 422), query


def _link(page, rel: str) -> str | None:
    nav = re.search(r'<nav class="pager" id="open-pager"[^>]*>(.*?)</nav>', page.text, re.S)
    found = nav and re.search(rf'<a rel="{rel}" href="([^"]+)"', nav[1])
    return html.unescape(found[1]) if found else None
