"""`GET /healthz`: is the app up and can it reach its database?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lupus_sms.core.db import DbSession

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Application and database health")
def healthz(db: DbSession) -> JSONResponse:
    checks: dict[str, str] = {"app": "ok"}
    try:
        db.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        checks["database"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status_code=200 if healthy else 503,
    )
