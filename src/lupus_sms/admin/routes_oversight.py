"""Simulator, dashboard, audit log, users and clinics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.admin import dashboard as dashboard_service
from lupus_sms.admin.auth import Csrf, CsrfToken, CurrentUser, actor_for, require
from lupus_sms.admin.pages import not_done, render
from lupus_sms.admin.service import list_clinics
from lupus_sms.admin.simulator import LANGUAGES, simulate
from lupus_sms.audit import service as audit
from lupus_sms.audit.service import Trail
from lupus_sms.clinics import changes as clinic_changes
from lupus_sms.clinics import service as clinics
from lupus_sms.console.cookies import PORTAL_COOKIES
from lupus_sms.console.pages import redirect
from lupus_sms.console.portal_opening import open_portal
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.users import changes as account_changes
from lupus_sms.users import service as users
from lupus_sms.users import throttle
from lupus_sms.users.models import ROLES, User
from lupus_sms.users.service import SERVICE_ADMIN_PERMISSION

router = APIRouter(prefix="/admin", include_in_schema=False)
Editor = Annotated[User, require("content.edit")]
Owner = Annotated[User, require("users.manage")]
SIMULATOR_PHONE = "+12025550199"


@router.get("/dashboard")
def dashboard(
    request: Request, user: CurrentUser, db: DbSession, clock: ClockDep, csrf: CsrfToken
) -> object:
    data = dashboard_service.build(db, now=clock.now())
    return render(request, "dashboard.html", data=data)


@router.get("/simulator")
def simulator_form(request: Request, user: Editor, csrf: CsrfToken) -> object:
    return render(
        request,
        "simulator.html",
        phone=SIMULATOR_PHONE,
        body="",
        drafts=True,
        language="",
        languages=LANGUAGES,
    )


@router.post("/simulator", dependencies=[Csrf])
def simulator(
    request: Request,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    phone: Annotated[str, Form(max_length=40)] = SIMULATOR_PHONE,
    body: Annotated[str, Form(max_length=1600)] = "",
    drafts: Annotated[str, Form(max_length=8)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> object:
    context = {
        "phone": phone,
        "body": body,
        "drafts": drafts == "on",
        "language": language,
        "languages": LANGUAGES,
    }
    try:
        result = simulate(
            db,
            phone=phone,
            body=body,
            settings=settings,
            clock=clock,
            drafts=drafts == "on",
            language=language,
        )
    except LupusSmsError as exc:
        return render(request, "simulator.html", 422, error=exc.message, **context)
    return render(
        request,
        "simulator.html",
        reply=result.body or "(no reply)",
        used_drafts=result.used_drafts,
        **context,
    )


@router.get("/audit")
def audit_log(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    csrf: CsrfToken,
    actor: str = "",
    action: str = "",
    target: str = "",
) -> object:
    entries = audit.get_all(db, actor=actor[:80], action=action[:80], target=target[:80])
    return render(request, "audit.html", entries=entries, actor=actor, action=action, target=target)


@router.get("/users")
def user_list(
    request: Request, user: Owner, db: DbSession, clock: ClockDep, csrf: CsrfToken
) -> object:
    return _users_page(request, db, clock.now())


def _users_page(request: Request, db, now, status_code: int = 200, **context) -> object:
    people = users.get_all(db)
    slowed = throttle.slowed_down(db, emails=[person.email for person in people], now=now)
    return render(
        request, "users.html", status_code, users=people, roles=ROLES, slowed_down=slowed, **context
    )


@router.post("/users", dependencies=[Csrf])
def user_create(
    request: Request,
    user: Owner,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "editor",
) -> object:
    try:
        created, token = account_changes.create_user(
            db, email=email, role=role, trail=Trail(actor_for(user)), now=clock.now()
        )
    except LupusSmsError as exc:
        return _users_page(request, db, clock.now(), 422, error=exc.message)
    return _show_link(request, settings, created, token)


@router.post("/users/{user_id}/{action}", dependencies=[Csrf])
def user_action(
    request: Request,
    user_id: int,
    action: str,
    user: Owner,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    role: Annotated[str, Form(max_length=16)] = "",
) -> object:
    try:
        target, token = account_changes.change_user(
            db, user_id=user_id, action=action, role=role, trail=Trail(actor_for(user)),
            now=clock.now(),
        )  # fmt: skip
    except LupusSmsError as exc:
        return not_done(request, exc, back_to="/admin/users")
    return _show_link(request, settings, target, token) if token else redirect("/admin/users")


def _show_link(request, settings, target: User, token: str) -> object:
    link = settings.link(f"/admin/reset/{token}")
    return render(
        request,
        "message.html",
        title="One-time link",
        message=f"Give this link to {target.email}. It is shown only once and works for 24 hours.",
        secret=link,
        link="/admin/users",
    )


@router.get("/clinics")
def clinic_list(request: Request, user: Owner, db: DbSession, csrf: CsrfToken) -> object:
    return render(request, "clinics.html", clinics=list_clinics(db))


@router.post("/clinics", dependencies=[Csrf])
def clinic_create(
    request: Request,
    user: Owner,
    db: DbSession,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=80)] = "",
    office_phone: Annotated[str, Form(max_length=40)] = "",
    urgent_phone: Annotated[str, Form(max_length=40)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "America/New_York",
) -> object:
    try:
        clinic_changes.create_clinic(
            db, actor=actor_for(user), now=clock.now(), name=name, office_phone=office_phone,
            urgent_phone=urgent_phone, timezone=timezone,
        )  # fmt: skip
    except LupusSmsError as exc:
        return render(request, "clinics.html", exc.status_code, clinics=list_clinics(db),
                      error=exc.message)  # fmt: skip
    return redirect("/admin/clinics")


@router.post("/clinics/{clinic_id}/sender", dependencies=[Csrf])
def clinic_sender(
    request: Request,
    clinic_id: int,
    user: Annotated[User, require(SERVICE_ADMIN_PERMISSION)],
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    sender: Annotated[str, Form(max_length=64)] = "",
) -> object:
    """A clinic's own number or Messaging Service: only service owners assign it."""
    try:
        clinic_changes.assign_sender(
            db, actor=actor_for(user), now=clock.now(), clinic_id=clinic_id, sender=sender,
            settings=settings,
        )  # fmt: skip
    except LupusSmsError as exc:
        return render(
            request, "clinics.html", exc.status_code, clinics=list_clinics(db), error=exc.message
        )
    return redirect("/admin/clinics")


@router.post("/clinics/{clinic_id}/keys", dependencies=[Csrf])
def key_create(
    request: Request,
    clinic_id: int,
    user: Owner,
    db: DbSession,
    clock: ClockDep,
    label: Annotated[str, Form(max_length=80)] = "",
) -> object:
    try:
        clinic, plaintext = clinic_changes.create_api_key(
            db, actor=actor_for(user), now=clock.now(), clinic_id=clinic_id, label=label or None
        )
    except LupusSmsError as exc:
        return not_done(request, exc, back_to="/admin/clinics")
    return render(
        request,
        "message.html",
        title="New API key",
        secret=plaintext,
        message=f"The key for {clinic.name}. It is shown only once.",
        link="/admin/clinics",
    )


@router.post("/keys/{prefix}/revoke", dependencies=[Csrf])
def key_revoke(
    request: Request, prefix: str, user: Owner, db: DbSession, clock: ClockDep
) -> object:
    try:
        clinic_changes.revoke_api_key(db, actor=actor_for(user), now=clock.now(), prefix=prefix)
    except LupusSmsError as exc:
        return not_done(request, exc, back_to="/admin/clinics")
    return redirect("/admin/clinics")


@router.post("/clinics/{clinic_id}/portal", dependencies=[Csrf])
def clinic_portal_open(
    request: Request,
    clinic_id: int,
    user: Annotated[User, require(SERVICE_ADMIN_PERMISSION)],
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
) -> object:
    """Open the clinic's portal as its clinic admin. The admin cookie has path /admin, so the
    portal gets a session of its own, naming the clinic, re-validated on every request."""
    try:
        clinic = clinics.get_clinic(db, clinic_id=clinic_id)
    except LupusSmsError as exc:
        return not_done(request, exc, back_to="/admin/clinics")
    token = open_portal(
        db, user=user, actor=actor_for(user), clinic=clinic, settings=settings, now=clock.now()
    )
    response = redirect("/portal/patients")
    PORTAL_COOKIES.start(response, settings, token)
    return response
