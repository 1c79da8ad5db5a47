"""The clinic's settings (clinic_admin): phones, time zone, send window, alert webhook; the
sender is shown, and only service owners change it (admin console or CLI)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request

from lupus_sms.clinics import changes as clinic_changes
from lupus_sms.clinics import settings as clinic_settings
from lupus_sms.content.limits import LONGEST_FIRST_NAME, accent_cost
from lupus_sms.content.service import get_content
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.portal.auth import PortalContext, PortalCsrf, require_portal
from lupus_sms.portal.pages import render
from lupus_sms.scheduling.plans import clinic_texts

router = APIRouter(prefix="/portal/settings", include_in_schema=False)
SettingsManager = Annotated[PortalContext, require_portal("settings.manage")]
Field = Annotated[str, Form(max_length=2000)]
TIME_ZONES = sorted(available_timezones())


@router.get("")
def settings_form(request: Request, portal: SettingsManager) -> object:
    return _page(request, portal, form=_current(portal))


@router.post("", dependencies=[PortalCsrf])
def settings_save(
    request: Request,
    portal: SettingsManager,
    db: DbSession,
    clock: ClockDep,
    settings: SettingsDep,
    office_phone: Field = "",
    urgent_phone: Field = "",
    timezone: Field = "",
    send_window_start: Field = "",
    send_window_end: Field = "",
    alert_webhook_url: Field = "",
    oncall_sms_number: Field = "",
    new_webhook_secret: Field = "",
    remove_webhook_secret: Annotated[bool, Form()] = False,
    keep_name_accents: Annotated[bool, Form()] = False,
    display_name: Field = "",
    conversation_hours: Field = "",
    conversation_renotify_minutes: Field = "",
) -> object:
    form = clinic_settings.SettingsForm(
        office_phone=office_phone,
        urgent_phone=urgent_phone,
        timezone=timezone,
        send_window_start=send_window_start,
        send_window_end=send_window_end,
        alert_webhook_url=alert_webhook_url,
        oncall_sms_number=oncall_sms_number,
        keep_name_accents=keep_name_accents,
        display_name=display_name,
        conversation_hours=conversation_hours,
        conversation_renotify_minutes=conversation_renotify_minutes,
        new_webhook_secret=new_webhook_secret,
        remove_webhook_secret=remove_webhook_secret,
    )
    allow_http = settings.plain_http_webhooks_allowed
    try:
        changed = clinic_changes.update_settings(
            db, clinic=portal.clinic, form=form, allow_http=allow_http, trail=portal.trail,
            now=clock.now(),
        )  # fmt: skip
    except clinic_settings.SettingsInvalid as exc:
        return _page(request, portal, 422, form=form, errors=exc.errors)
    return _page(request, portal, form=_current(portal), saved=changed)


def _current(portal: PortalContext) -> clinic_settings.SettingsForm:
    clinic = portal.clinic
    values = {name: getattr(clinic, name) or "" for name in clinic_settings.EDITABLE}
    for name in ("conversation_hours", "conversation_renotify_minutes"):
        values[name] = str(getattr(clinic, name))
    values["keep_name_accents"] = clinic.keep_name_accents
    return clinic_settings.SettingsForm(**values)


def _page(request: Request, portal: PortalContext, status_code: int = 200, **context):
    context.setdefault("errors", {})
    context["accent_cost"] = accent_cost(clinic_texts(get_content()))
    context["longest_first_name"] = LONGEST_FIRST_NAME
    return render(
        request, "settings.html", status_code, portal=portal, time_zones=TIME_ZONES, **context
    )
