"""The audit log as CSV (owners): for reviews outside the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from lupus_sms.admin.auth import actor_for, require
from lupus_sms.admin.csv_export import audit_csv
from lupus_sms.audit import service as audit
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.users.models import User

router = APIRouter(prefix="/admin", include_in_schema=False)
Owner = Annotated[User, require("users.manage")]
MAX_EXPORT_ROWS = 50_000


@router.get("/audit.csv")
def audit_export(
    user: Owner,
    db: DbSession,
    clock: ClockDep,
    actor: str = "",
    action: str = "",
    target: str = "",
) -> Response:
    entries = audit.get_all(
        db, actor=actor[:80], action=action[:80], target=target[:80], limit=MAX_EXPORT_ROWS
    )
    body = audit_csv(entries)
    detail = (
        f"{len(entries)} rows; actor={actor[:80]!r} action={action[:80]!r} target={target[:80]!r}"
    )
    audit.record_view(db, actor=actor_for(user), action="audit.export", now=clock.now(),
                      detail=detail)  # fmt: skip
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
