"""The alerts inbox pages both its lists (keyset on one alert's id in the address): with more
alerts than a page holds, every open and every closed alert is reachable, in order, both ways."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import insert, select

from lupus_sms.alerts.models import Alert
from lupus_sms.portal.alerts import CLOSED_LIMIT
from lupus_sms.portal.inbox import OPEN_LIMIT
from tests.conftest import DEFAULT_NOW
from tests.factories import make_clinic

OPEN = OPEN_LIMIT + 35
CLOSED = CLOSED_LIMIT * 2 + 7


def _many_alerts(db, clinic) -> None:
    """One INSERT of many rows: severities mixed, several created at the same instant."""
    rows = []
    for index in range(OPEN + CLOSED):
        at = DEFAULT_NOW - timedelta(minutes=index // 3)
        closed = index >= OPEN
        rows.append({
            "clinic_id": clinic.id, "kind": "red_flag", "priority": "high",
            "severity": ("critical", "urgent", "high", "routine")[index % 4],
            "status": "acknowledged" if closed else "open", "text": f"alert text {index}",
            "created_at": at, "updated_at": at,
            "acknowledged_by": "nurse@example.org" if closed else None,
            "acknowledged_at": DEFAULT_NOW if closed else None,
        })  # fmt: skip
    db.execute(insert(Alert), rows)
    db.commit()


def _open_ids(page) -> list[int]:
    listed = re.search(r'<ol class="alerts" id="open-alerts">(.*?)</ol>', page.text, re.S)
    return [int(i) for i in re.findall(r'<li class="alert[^"]*" id="alert-(\d+)"', listed[1])]


def _closed_texts(page) -> list[str]:
    table = re.search(r'<table id="closed-alerts">(.*?)</table>', page.text, re.S)
    return re.findall(r"<td>(alert text \d+)</td>", table[1]) if table else []


def _link(page, pager: str, rel: str) -> str | None:
    nav = re.search(rf'<nav class="pager" id="{pager}"[^>]*>(.*?)</nav>', page.text, re.S)
    found = nav and re.search(rf'<a rel="{rel}" href="([^"]+)"', nav[1])
    return html.unescape(found[1]) if found else None


def _walk(nurse, start: str, pager: str, rel: str, read) -> list[list]:
    pages, url = [], start
    while url:
        page = nurse.get(url)
        assert page.status_code == 200, page.text[:300]
        pages.append(read(page))
        url = _link(page, pager, rel)
        assert len(pages) < 20
    return pages


def test_every_open_alert_is_reachable_in_order_and_back(db, portal_client):
    clinic = make_clinic(db)
    _many_alerts(db, clinic)
    nurse = portal_client(clinic, "nurse")

    forward = _walk(nurse, "/portal/alerts", "open-pager", "next", _open_ids)

    assert [len(ids) for ids in forward] == [OPEN_LIMIT, OPEN - OPEN_LIMIT]
    seen = [alert_id for ids in forward for alert_id in ids]
    rank = {"critical": 0, "urgent": 1, "high": 2, "routine": 3}
    expected = sorted(
        db.execute(select(Alert.id, Alert.severity, Alert.created_at).where(
            Alert.clinic_id == clinic.id, Alert.status == "open")).all(),
        key=lambda row: (rank[row.severity], row.created_at, row.id),
    )  # fmt: skip
    assert seen == [row.id for row in expected]
    last_page = nurse.get(f"/portal/alerts?open_after={forward[0][-1]}")
    back = _walk(nurse, _link(last_page, "open-pager", "prev"), "open-pager", "prev", _open_ids)
    assert back[0] == forward[0]


def test_every_closed_alert_is_reachable_newest_first_and_back(db, portal_client):
    clinic = make_clinic(db)
    _many_alerts(db, clinic)
    nurse = portal_client(clinic, "nurse")

    older = _walk(nurse, "/portal/alerts", "closed-pager", "next", _closed_texts)

    assert [len(texts) for texts in older] == [
        CLOSED_LIMIT,
        CLOSED_LIMIT,
        CLOSED - 2 * CLOSED_LIMIT,
    ]
    seen = [text for texts in older for text in texts]
    newest_first = db.scalars(
        select(Alert.text).where(Alert.clinic_id == clinic.id, Alert.status == "acknowledged")
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    ).all()  # fmt: skip
    assert seen == list(newest_first)
    last = nurse.get(_link(nurse.get("/portal/alerts"), "closed-pager", "next"))
    newer = _link(last, "closed-pager", "prev")
    assert _closed_texts(nurse.get(newer)) == older[0]


def test_a_page_position_from_another_clinic_or_malformed_is_a_page_not_a_500(db, portal_client):
    clinic, other = make_clinic(db), make_clinic(db, name="Harbor Clinic")
    _many_alerts(db, other)
    foreign = db.scalar(select(Alert.id).where(Alert.clinic_id == other.id).limit(1))
    nurse = portal_client(clinic, "nurse")

    assert nurse.get(f"/portal/alerts?open_after={foreign}").status_code == 404
    for query in ("open_after=abc", "closed_before=0", "open_after=1&open_before=2"):
        response = nurse.get(f"/portal/alerts?{query}")
        assert response.status_code in (404, 422), query
        assert response.headers["content-type"].startswith("text/html")
