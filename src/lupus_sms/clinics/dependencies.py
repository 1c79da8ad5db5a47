"""`CurrentClinic`: the clinic whose API key authorised the request (401 otherwise), and
`ApiTrail`: how the API's changes are audited (the key's public prefix acts, in its clinic)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lupus_sms.audit.service import Actor, Trail
from lupus_sms.clinics import service
from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.pagination import PageParams, PageParamsDep

# auto_error=False: our own AuthenticationError gives the one JSON error shape (and a 401,
# where FastAPI's default would answer 403 for a missing header).
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="lsk_<prefix>_<secret>",
    description="A clinic API key, `Authorization: Bearer lsk_...` "
    "(made with `lupus-sms clinic key create`).",
)


def current_key(
    db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    clock: ClockDep,
) -> ApiKey:
    token = credentials.credentials if credentials else None
    api_key = service.authenticate_key(db, token=token)
    if service.record_key_use(api_key, now=clock.now()):
        db.commit()
    return api_key


CurrentKey = Annotated[ApiKey, Depends(current_key)]


def current_clinic(db: DbSession, api_key: CurrentKey) -> Clinic:
    return service.get_clinic(db, clinic_id=api_key.clinic_id)


CurrentClinic = Annotated[Clinic, Depends(current_clinic)]


def api_trail(api_key: CurrentKey) -> Trail:
    """Every change made through the API is in the audit log under the key that made it (its
    public prefix, never the secret), with the clinic, under the portal's action names."""
    return Trail(Actor(f"api key {api_key.prefix}"), "api.", f"clinic:{api_key.clinic_id}")


ApiTrail = Annotated[Trail, Depends(api_trail)]


def clinic_page(page: PageParamsDep, clinic: CurrentClinic) -> PageParams:
    """Page size and cursor of an API list, its cursors bound to the clinic that asked: one
    clinic's cursor is refused by another's lists, even when the path is the same."""
    return page.bound_to(f"clinic {clinic.id}")


ClinicPage = Annotated[PageParams, Depends(clinic_page)]
