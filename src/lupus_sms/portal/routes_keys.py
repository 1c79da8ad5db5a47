"""The clinic's API keys (clinic_admin): the same use cases as the admin console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.clinics import changes as clinic_changes
from lupus_sms.clinics import service as clinics
from lupus_sms.console.pages import redirect
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.portal.auth import PortalContext, PortalCsrf, PortalPageError, require_portal
from lupus_sms.portal.pages import render
from lupus_sms.portal.timefmt import local_day, local_time

router = APIRouter(prefix="/portal/keys", include_in_schema=False)
KeysManager = Annotated[PortalContext, require_portal("keys.manage")]


@router.get("")
def key_list(request: Request, portal: KeysManager, db: DbSession) -> object:
    return _page(request, db, portal)


@router.post("", dependencies=[PortalCsrf])
def key_create(
    request: Request,
    portal: KeysManager,
    db: DbSession,
    clock: ClockDep,
    label: Annotated[str, Form(max_length=80)] = "",
) -> object:
    _, plaintext = clinic_changes.create_api_key(
        db, actor=portal.actor, now=clock.now(), clinic_id=portal.clinic.id,
        label=label.strip() or None, action="portal.api_key_created",
    )  # fmt: skip
    return _page(request, db, portal, plaintext=plaintext)


@router.get("/{prefix}/revoke")
def key_revoke_form(request: Request, prefix: str, portal: KeysManager, db: DbSession) -> object:
    """Revoking cannot be undone: the integration using the key stops at once. Ask first."""
    return render(request, "key_revoke.html", key=_owned_key(db, portal, prefix))


@router.post("/{prefix}/revoke", dependencies=[PortalCsrf])
def key_revoke(
    request: Request,
    prefix: str,
    portal: KeysManager,
    db: DbSession,
    clock: ClockDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> object:
    key = _owned_key(db, portal, prefix)
    if confirm != "yes":  # only the confirmation page's button revokes
        return render(request, "key_revoke.html", 422, key=key)
    clinic_changes.revoke_api_key(
        db, actor=portal.actor, now=clock.now(), prefix=prefix, action="portal.api_key_revoked"
    )
    return redirect("/portal/keys")


def _owned_key(db, portal: PortalContext, prefix: str):
    for key in clinics.list_api_keys(db, clinic_id=portal.clinic.id):
        if key.prefix == prefix and key.revoked_at is None:
            return key
    # Another clinic's key is as unknown as a made-up one.
    raise PortalPageError(404, "No such active API key in this clinic.")


def _page(request: Request, db, portal: PortalContext, status_code: int = 200, **context):
    keys = sorted(
        clinics.list_api_keys(db, clinic_id=portal.clinic.id),
        key=lambda key: key.created_at,
        reverse=True,
    )
    return render(
        request, "keys.html", status_code, portal=portal, keys=keys,
        local_time=local_time, local_day=local_day, **context,
    )  # fmt: skip
