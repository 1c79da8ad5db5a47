"""The inbox's open list: open alerts and open conversations in one order.

Severity first (critical red flags, urgent red flags, review items to look at soon, then the
routine ones), then the longest waiting first. A conversation is routine: when the patient's
newest text raised a red flag, that red flag is an alert of its own, above it. Its waiting
time is its oldest unanswered text (`waiting_since`); an open conversation nobody has to
answer (staff wrote last) comes after everything that waits.

A conversation of an unenrolled or erased patient is left out (nothing can be sent to them),
and one assigned to a deactivated user is nobody's (threads/listing.py has both rules).

One UNION ALL of the clinic's open alerts (ix_alerts_clinic_status_created) and open threads
(ix_threads_clinic_status) gives each row (rank, since, source, id); the list pages on those
four values (keyset), so a page is one bounded query however many items are open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITY_RANK, Alert
from lupus_sms.core.errors import NotFoundError
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.messaging.models import Message
from lupus_sms.portal import alerts as alert_views
from lupus_sms.portal import keyset
from lupus_sms.threads import listing
from lupus_sms.threads.models import Thread
from lupus_sms.threads.service import DONE, OPEN
from lupus_sms.users.models import User

OPEN_LIMIT = 200
CLOSED_CONVERSATIONS = 20
TEXT_SHOWN = 160  # characters of a conversation's newest text shown in the list
ALL, MINE, UNASSIGNED = "all", "mine", "unassigned"
FILTERS = (ALL, MINE, UNASSIGNED)
ALERT, THREAD = "alert", "thread"
_SOURCES = {0: ALERT, 1: THREAD}  # also the tie-break: an alert before a conversation
ROUTINE = SEVERITY_RANK["routine"]
ANSWERED = len(SEVERITY_RANK) + 1  # after every alert, even one of an unknown severity


@dataclass(frozen=True)
class ConversationItem:
    thread: Thread
    patient_label: str
    newest_text: str | None  # the patient's newest text, shortened
    assignee: str | None  # the email of whom it is assigned to, an active user of the clinic
    former_assignee: str | None = None  # assigned to someone deactivated since: nobody's
    kind = "conversation"

    @property
    def waiting(self) -> bool:
        return self.thread.waiting_since is not None


@dataclass(frozen=True)
class OpenList:
    items: list  # AlertItem | ConversationItem, in the inbox's order
    earlier: bool  # items before this page
    later: bool  # items after this page


def open_items(
    db: Session,
    *,
    clinic_id: int,
    user_id: int,
    show: str = ALL,
    labels: dict[str, str],
    at: keyset.Position | None = None,
) -> OpenList:
    """A page of the open list. `show`: every item, the conversations assigned to `user_id`,
    or the items nobody has (alerts have no assignee: they are in "all" and "unassigned")."""
    rows = _open_rows(clinic_id, user_id, show).subquery("inbox_items")
    order = tuple((rows.c[name], False) for name in ("rank", "since", "source", "item_id"))
    boundary = _boundary(db, clinic_id, at)
    stmt = select(rows.c.source, rows.c.item_id)
    found = keyset.page(db, stmt, order, boundary, at is None or at.after, OPEN_LIMIT)
    refs = [(_SOURCES[source], item_id) for source, item_id in found.rows]
    return OpenList(_load(db, refs, labels), found.earlier, found.later)


def _open_rows(clinic_id: int, user_id: int, show: str):
    threads = select(
        literal_column("1", Integer).label("source"),
        Thread.id.label("item_id"),
        _thread_rank().label("rank"),
        _thread_since().label("since"),
    ).where(Thread.clinic_id == clinic_id, Thread.status == OPEN, listing.answerable())
    if show == MINE:
        return threads.where(Thread.assigned_user_id == user_id)
    if show == UNASSIGNED:
        threads = threads.where(listing.unassigned(clinic_id))
    alerts = select(
        literal_column("0", Integer).label("source"),
        Alert.id.label("item_id"),
        case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK)).label("rank"),
        Alert.created_at.label("since"),
    ).where(Alert.clinic_id == clinic_id, Alert.status == AlertStatus.OPEN)
    return union_all(alerts, threads)


def _thread_rank():
    return case((Thread.waiting_since.is_(None), ANSWERED), else_=ROUTINE)


def _thread_since():
    """Since when it waits; one nobody has to answer, since staff last wrote."""
    return func.coalesce(Thread.waiting_since, Thread.last_staff_at, Thread.created_at)


def _boundary(db: Session, clinic_id: int, at: keyset.Position | None) -> tuple | None:
    """The open list's order values of the row a page starts from. A conversation's change
    since (answered, re-opened) moves the page's start with it: the list is live."""
    if at is None:
        return None
    if at.kind == ALERT:
        alert = alert_views.get_alert(db, clinic_id=clinic_id, alert_id=at.row_id)
        return alert_views.rank(alert), alert.created_at, 0, alert.id
    thread = db.get(Thread, at.row_id)
    if thread is None or thread.clinic_id != clinic_id:
        raise NotFoundError("No such conversation in this clinic.")
    rank = ROUTINE if thread.waiting_since is not None else ANSWERED
    since = thread.waiting_since or thread.last_staff_at or thread.created_at
    return rank, since, 1, thread.id


def _load(db: Session, refs: list[tuple[str, int]], labels: dict[str, str]) -> list:
    alert_ids = [item_id for kind, item_id in refs if kind == ALERT]
    thread_ids = [item_id for kind, item_id in refs if kind == THREAD]
    alerts = list(db.scalars(select(Alert).where(Alert.id.in_(alert_ids)))) if alert_ids else []
    by_ref = {
        (ALERT, item.alert.id): item for item in alert_views.with_patients(db, alerts, labels)
    }
    by_ref |= {(THREAD, item.thread.id): item for item in conversations(db, thread_ids)}
    return [by_ref[ref] for ref in refs if ref in by_ref]


def conversations(db: Session, thread_ids: list[int]) -> list[ConversationItem]:
    """The threads with their patient, the patient's newest text and their assignee."""
    if not thread_ids:
        return []
    newest_text = (
        select(Message.body)
        .where(Message.patient_id == Thread.patient_id, Message.direction == "inbound")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(Thread)
        .scalar_subquery()
    )  # one index probe per thread on ix_messages_patient_created
    rows = db.execute(select(Thread, newest_text).where(Thread.id.in_(thread_ids))).all()
    patients = alert_views.patients_by_id(db, {thread.patient_id for thread, _ in rows})
    assignees = _assignees(db, {t.assigned_user_id for t, _ in rows if t.assigned_user_id})
    items = []
    for thread, text in rows:
        email, active, clinic_id = assignees.get(thread.assigned_user_id, (None, False, None))
        present = active and clinic_id == thread.clinic_id  # else: nobody's (listing.py)
        patient = alert_views.patient_label(patients.get(thread.patient_id))
        items.append(ConversationItem(thread, patient, _shortened(text),
                                      email if present else None,
                                      None if present else email))  # fmt: skip
    return items


def _assignees(db: Session, user_ids: set[int]) -> dict[int, tuple[str, bool, int | None]]:
    """By user id: email, whether the account is active, and its clinic."""
    if not user_ids:
        return {}
    query = select(User.id, User.email, User.is_active, User.clinic_id)
    rows = db.execute(query.where(User.id.in_(user_ids)))
    return {user_id: (email, active, clinic_id) for user_id, email, active, clinic_id in rows}


def _shortened(text: str | None) -> str | None:
    if text is None or len(text) <= TEXT_SHOWN:
        return text
    return text[: TEXT_SHOWN - 1].rstrip() + "…"


def recently_closed(db: Session, *, clinic_id: int) -> list[ConversationItem]:
    """The conversations marked done most recently (a new text from the patient re-opens
    one; the patient's page keeps them all)."""
    ids = db.scalars(
        select(Thread.id)
        .where(Thread.clinic_id == clinic_id, Thread.status == DONE)
        .order_by(Thread.closed_at.desc(), Thread.id.desc())
        .limit(CLOSED_CONVERSATIONS)
    ).all()
    by_id = {item.thread.id: item for item in conversations(db, list(ids))}
    return [by_id[thread_id] for thread_id in ids]


def colleagues(db: Session, *, clinic_id: int) -> list[User]:
    """Whom a conversation may be assigned to: the clinic's active users."""
    return list(
        db.scalars(
            select(User)
            .where(User.clinic_id == clinic_id, User.is_active.is_(True))
            .order_by(User.email)
        )
    )


@dataclass(frozen=True)
class Waiting:
    """What the badge counts, and what tells a poller the open list changed."""

    count: int  # open alerts plus conversations waiting for an answer
    newest_alert_id: int | None
    newest_text_at: datetime | None  # of a patient, in an open conversation


def waiting(db: Session, *, clinic_id: int) -> Waiting:
    alerts = db.execute(
        select(func.count(), func.max(Alert.id)).where(
            Alert.clinic_id == clinic_id, Alert.status == AlertStatus.OPEN
        )
    ).one()
    threads = db.execute(
        select(func.count(Thread.waiting_since), func.max(Thread.last_patient_at)).where(
            Thread.clinic_id == clinic_id, Thread.status == OPEN, listing.answerable()
        )
    ).one()
    return Waiting(alerts[0] + threads[0], alerts[1], threads[1])


def count_waiting(db: Session, *, clinic_id: int) -> int:
    return waiting(db, clinic_id=clinic_id).count
