"""`GET /healthz`: is the app up, can it reach its database, is the scheduler ticking?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lupus_sms.core.database_status import migration_problem
from lupus_sms.core.dependencies import ClockDep, ReadOnlySession, SettingsDep
from lupus_sms.scheduling.health import scheduler_check

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Application, database and scheduler health")
def healthz(
    request: Request,
    # Only reads: a load balancer must not take a check queued behind a writer for a dead process.
    db: ReadOnlySession,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    checks: dict[str, str] = {"app": "ok"}
    body: dict[str, object] = {}
    try:
        db.execute(text("SELECT 1"))
        problem = migration_problem(db.connection())
        if problem:  # every query of the scheduler would fail: name the cause instead
            checks["database"], body["database"] = "not_migrated", problem
        else:
            checks["database"] = "ok"
            expected = settings.expect_worker or getattr(
                request.app.state, "scheduler_running", False
            )
            started_at = getattr(request.app.state, "scheduler_started_at", None)
            checks["scheduler"], body["scheduler"] = scheduler_check(
                db, settings=settings, now=clock.now(), expected=expected, started_at=started_at
            )
    except SQLAlchemyError as exc:
        checks["database"] = "unavailable"
        body["database"] = f"cannot reach the database ({type(exc).__name__})"
    healthy = all(value in ("ok", "not_expected") for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks, **body},
        status_code=200 if healthy else 503,
    )
