"""Dashboard figures over the last 28 days, counted by the database (GROUP BY on the
`ix_messages_created` range), so the page costs what the distinct groups cost, not what
the programme's message volume costs.

Nothing here identifies a patient: unknown texts are shown with digits, emails and
capitalised names blanked, and counts never name a sender.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lupus_sms.admin import charts
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.conversation.text import normalise
from lupus_sms.core.db import Base
from lupus_sms.core.statuses import AlertStatus, MessageStatus
from lupus_sms.messaging import twilio_errors
from lupus_sms.messaging.models import Message, PhoneNumber

DAYS = 28
MAX_ROWS = 100_000
FAILED = ("failed", "undelivered")
_DIGITS = re.compile(r"\d[\d\s().-]*")
_EMAIL = re.compile(r"\S+@\S+")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+")


def build(db: Session, *, now: datetime) -> dict:
    start = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [(start + timedelta(days=i)).date().isoformat() for i in range(DAYS)]
    day = _utc_day(db, Message.created_at)
    groups = db.execute(
        select(day, Message.direction, Message.status, Message.error_code, func.count())
        .where(Message.created_at >= start)
        .group_by(day, Message.direction, Message.status, Message.error_code)
    ).all()
    return {
        "messages_chart": _messages_chart(groups, days),
        "failures": _failures(groups),
        "optouts_chart": _optouts_chart(db, start, days),
        "keywords_chart": charts.bar_rows(_keywords(db, start), title="Most-asked topics"),
        "unknown": _unknown_texts(db, start),
        "alerts": _open_alerts(db),
        "totals": {"messages": sum(group[-1] for group in groups), "days": DAYS},
    }


def _utc_day(db: Session, column):
    """The UTC calendar day of a timestamp as YYYY-MM-DD, computed by the database."""
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite keeps UTC as ISO text (core/db.UTCDateTime)


def _messages_chart(groups, days: list[str]):
    series: dict[str, list[int]] = {}
    index = {day: i for i, day in enumerate(days)}
    for day, direction, status, _code, count in groups:
        name = "inbound" if direction == "inbound" else f"out: {status}"
        series.setdefault(name, [0] * len(days))[index.get(day, 0)] += count
    return charts.stacked_bars(days, series, title="Messages per day")


def _failures(groups) -> dict:
    outbound = [g for g in groups if g.direction == "outbound" and g.status != MessageStatus.QUEUED]
    failed = [g for g in outbound if g.status in FAILED]
    sent, lost = sum(g[-1] for g in outbound), sum(g[-1] for g in failed)
    rate = lost / sent if sent else 0.0
    codes: Counter[str] = Counter()
    for group in failed:
        codes[group.error_code or "none"] += group[-1]
    return {
        "rate": f"{rate:.1%}",
        "failed": lost,
        "outbound": sent,
        "codes": [
            {
                "code": code,
                "count": count,
                "meaning": twilio_errors.meaning(code),
                "link": twilio_errors.error_page(code),
                "share": count / lost * 100,
            }
            for code, count in codes.most_common(5)
        ],
    }


def _optouts_chart(db: Session, start: datetime, days: list[str]):
    stamps = db.scalars(select(PhoneNumber.opted_out_at).where(PhoneNumber.opted_out_at >= start))
    counts = Counter(stamp.date().isoformat() for stamp in stamps)
    return charts.line(days, [counts.get(day, 0) for day in days], title="Opt-outs per day")


def _keywords(db: Session, start: datetime) -> list[tuple[str, int]]:
    content = get_content()
    # Texts repeat (keywords, menu numbers): each distinct body is read once, with its count.
    bodies = db.execute(
        select(Message.body, func.count())
        .where(Message.direction == "inbound", Message.created_at >= start)
        .group_by(Message.body)
        .limit(MAX_ROWS)
    )
    counts: Counter[str] = Counter()
    for body, count in bodies:
        word = normalise(body).replace(" ", "")
        topic = content.by_word.get(word) or (
            content.by_number.get(int(word)) if word.isdigit() and len(word) < 3 else None
        )
        if topic is not None:
            counts[topic.keyword] += count
    return counts.most_common(8)


def _unknown_texts(db: Session, start: datetime) -> list[tuple[str, int]]:
    """What people asked that the content did not cover (answered with the hint)."""
    reply = aliased(Message)
    bodies = db.execute(
        select(Message.body, func.count())
        .join(reply, reply.in_reply_to_id == Message.id)
        .where(reply.kind == "hint", Message.created_at >= start)
        .group_by(Message.body)
        .limit(5000)
    )
    counts: Counter[str] = Counter()
    for body, count in bodies:
        counts[deidentify(body or "")] += count
    return [(text, n) for text, n in counts.most_common(15) if text]


def deidentify(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _DIGITS.sub("# ", text)
    text = _NAME.sub("[name]", " " + text).strip()
    return " ".join(text.split())[:80].lower()


def _open_alerts(db: Session) -> list[tuple[str, int]]:
    """Open alerts per clinic, once the alerts domain has its table."""
    alerts = Base.metadata.tables.get("alerts")
    if alerts is None or "clinic_id" not in alerts.c or "status" not in alerts.c:
        return []
    query = (
        select(Clinic.name, func.count())
        .select_from(alerts.join(Clinic, Clinic.id == alerts.c.clinic_id))
        .where(alerts.c.status == AlertStatus.OPEN)
        .group_by(Clinic.name)
    )
    return [(name, count) for name, count in db.execute(query)]
