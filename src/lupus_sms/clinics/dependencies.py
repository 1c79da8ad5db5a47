"""`CurrentClinic`: the clinic whose API key authorised the request (401 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lupus_sms.clinics import service
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.db import DbSession

# auto_error=False: our own AuthenticationError gives the one JSON error shape (and a 401,
# where FastAPI's default would answer 403 for a missing header).
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="lsk_<prefix>_<secret>",
    description="A clinic API key, `Authorization: Bearer lsk_...` "
    "(made with `lupus-sms clinic key create`).",
)


def current_clinic(
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Clinic:
    token = credentials.credentials if credentials else None
    return service.authenticate(db, token=token)


CurrentClinic = Annotated[Clinic, Depends(current_clinic)]
