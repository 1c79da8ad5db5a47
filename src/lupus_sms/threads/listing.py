"""Which conversations a clinic's lists show (the API's and the portal inbox's): one clinic
only, by status and assignee.

Two rules keep the lists honest, each a correlated primary-key probe per thread (bounded by
the clinic's open threads, ix_threads_clinic_status):
- an open conversation of a patient who was unenrolled or erased cannot be answered (nothing
  can be sent to them): it is not on the open lists, and not counted as waiting;
- a conversation assigned to someone who is no longer an active user of the clinic (a
  deactivated account) is nobody's: it is under "unassigned", never orphaned.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, or_, select

from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.threads.models import Thread
from lupus_sms.threads.service import OPEN
from lupus_sms.users.models import User

UNASSIGNED = "none"


def conversations_query(
    *, clinic_id: int, status: str | None = None, assignee: int | str | None = None
) -> Select:
    """`assignee`: a user id, UNASSIGNED for nobody's, None for everyone's. `status` open:
    the conversations that can still be answered."""
    stmt = select(Thread).where(Thread.clinic_id == clinic_id)
    if status is not None:
        stmt = stmt.where(Thread.status == status)
    if status == OPEN:
        stmt = stmt.where(answerable())
    if assignee == UNASSIGNED:
        stmt = stmt.where(unassigned(clinic_id))
    elif assignee is not None:
        stmt = stmt.where(Thread.assigned_user_id == assignee)
    return stmt


def answerable() -> ColumnElement[bool]:
    """The thread's patient is still enrolled: a staff message could still reach them."""
    return ~exists().where(
        Patient.id == Thread.patient_id,
        or_(Patient.status == PatientStatus.UNENROLLED, Patient.erased_at.is_not(None)),
    )


def unassigned(clinic_id: int) -> ColumnElement[bool]:
    """Nobody has the thread: no assignee, or one who is not an active user of the clinic."""
    has_active_assignee = exists().where(
        User.id == Thread.assigned_user_id,
        User.clinic_id == clinic_id,
        User.is_active.is_(True),
    )
    return or_(Thread.assigned_user_id.is_(None), ~has_active_assignee)
