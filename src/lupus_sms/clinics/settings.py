"""A clinic's own settings, as its clinic admin edits them: every field checked, all errors at
once, nothing changed unless everything is valid. Helpers flush; the caller commits.

The clinic's sender is not among them: only service owners assign it (`service.assign_sender`),
as it decides which clinic the texts sent to it are filed under."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lupus_sms.clinics.display_name import display_name_problem
from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.quiet_hours import DAY_START, night_problem, parse_hhmm
from lupus_sms.content.service import get_content
from lupus_sms.core import egress
from lupus_sms.core.errors import LupusSmsError, ValidationFailed
from lupus_sms.core.phones import normalise_phone
from lupus_sms.core.timezones import validate_timezone

EDITABLE = (
    "office_phone",
    "urgent_phone",
    "timezone",
    "send_window_start",
    "send_window_end",
    "alert_webhook_url",
    "oncall_sms_number",
    "keep_name_accents",
    "display_name",
    "conversation_hours",
    "conversation_renotify_minutes",
)
# Care-team conversations (threads/), inclusive bounds. Hours: under one a conversation would
# lapse before a patient answers; two weeks is as long as a "we will call you" may keep the
# keyword bot away. Minutes: under five the clinic's receiver is flooded; a day is the
# longest a question should wait. Also the API's (clinics/conversation_settings.py).
CONVERSATION_BOUNDS = {
    "conversation_hours": (1, 336, "hours"),
    "conversation_renotify_minutes": (5, 1440, "minutes"),
}
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SettingsInvalid(ValidationFailed):
    """Every refused field with its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {text}" for field, text in errors.items()))
        self.errors = errors


@dataclass
class SettingsForm:
    """What the settings form sends; a blank new secret keeps the current one."""

    office_phone: str = ""
    urgent_phone: str = ""
    timezone: str = ""
    send_window_start: str = ""
    send_window_end: str = ""
    alert_webhook_url: str = ""
    oncall_sms_number: str = ""
    # First names keep accents in reminders (content/limits.py: they may cost UCS-2).
    keep_name_accents: bool = False
    # The neutral name of discreet texts and the invitation (clinics/display_name.py).
    display_name: str = ""
    conversation_hours: str = "72"
    conversation_renotify_minutes: str = "60"
    new_webhook_secret: str = ""
    remove_webhook_secret: bool = False


def update(db: Session, *, clinic: Clinic, form: SettingsForm, allow_http: bool) -> list[str]:
    """Apply the form; the names of the fields that changed (a secret is named, never shown)."""
    values = _validated(db, clinic, form, allow_http=allow_http)
    changed = [name for name in EDITABLE if getattr(clinic, name) != values[name]]
    for name in changed:
        setattr(clinic, name, values[name])
    secret = _new_secret(form)
    if secret and secret != clinic.alert_webhook_secret:
        clinic.alert_webhook_secret = secret
        changed.append("alert_webhook_secret")
    elif not secret and form.remove_webhook_secret and clinic.alert_webhook_secret:
        clinic.alert_webhook_secret = None
        changed.append("alert_webhook_secret")
    db.flush()
    return changed


def _validated(db: Session, clinic: Clinic, form: SettingsForm, *, allow_http: bool) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    checks = {
        "office_phone": lambda raw: normalise_phone(raw, clinic.country),
        "urgent_phone": lambda raw: normalise_phone(raw, clinic.country),
        "timezone": lambda raw: validate_timezone(raw.strip()),
        "send_window_start": lambda raw: _daytime(raw, closes=False),
        "send_window_end": lambda raw: _daytime(raw, closes=True),
        "alert_webhook_url": lambda raw: _webhook_url(raw, allow_http=allow_http),
        "oncall_sms_number": lambda raw: _optional_mobile(raw, clinic.country),
        "keep_name_accents": bool,
        "display_name": lambda raw: _display_name(clinic, raw),
        # Blank keeps the current value (a form or client that does not know the field).
        "conversation_hours": lambda raw: _whole_number(
            raw or clinic.conversation_hours, "conversation_hours"
        ),
        "conversation_renotify_minutes": lambda raw: _whole_number(
            raw or clinic.conversation_renotify_minutes, "conversation_renotify_minutes"
        ),
    }
    for name, check in checks.items():
        try:
            values[name] = check(getattr(form, name) or "")
        except LupusSmsError as exc:
            errors[name] = exc.message
    start, end = values.get("send_window_start"), values.get("send_window_end")
    if start and end and start >= end:
        errors["send_window_end"] = "the window must end after it starts"
    try:
        secret = _new_secret(form)
        kept = None if form.remove_webhook_secret else clinic.alert_webhook_secret
        if values.get("alert_webhook_url") and not (secret or kept):
            raise ValidationFailed("a webhook needs a secret to sign its requests")
    except LupusSmsError as exc:
        errors["new_webhook_secret"] = exc.message
    if errors:
        raise SettingsInvalid(errors)
    return values


def _whole_number(raw: object, name: str) -> int:
    text = str(raw).strip()
    problem = conversation_problem(name, int(text) if text.isdigit() else None)
    if problem:
        raise ValidationFailed(problem)
    return int(text)


def conversation_problem(name: str, value: int | None) -> str | None:
    """What is wrong with a conversation setting's value (None: not a whole number)."""
    low, high, unit = CONVERSATION_BOUNDS[name]
    if value is None or not low <= value <= high:
        return f"a whole number of {unit} from {low} to {high}"
    return None


def _display_name(clinic: Clinic, raw: str) -> str | None:
    """Required when the clinic's name holds a word of the discreet list; none in itself."""
    display_name = " ".join(raw.split())[:41] or None
    if display_name and len(display_name) > 40:
        raise ValidationFailed("at most 40 characters")
    problem = display_name_problem(clinic.name, display_name, get_content())
    if problem:
        raise ValidationFailed(problem)
    return display_name


def _daytime(raw: str, *, closes: bool) -> str:
    """A 24-hour time at which the window may open (or close): never at night."""
    raw = raw.strip()
    if not _CLOCK_TIME.match(raw):
        raise ValidationFailed("use a 24-hour time such as 08:00")
    problem = night_problem(parse_hhmm(raw, DAY_START), closes=closes)
    if problem:
        raise ValidationFailed(problem)
    return raw


def _webhook_url(raw: str, *, allow_http: bool) -> str | None:
    """A URL the worker may post to: https (see core/egress.py), on a public host."""
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) > 2000:
        raise ValidationFailed("the URL is too long")
    try:
        host, port = egress.check_url(raw, allow_http=allow_http)
        egress.public_addresses(host, port)
    except egress.EgressRefused as exc:
        raise ValidationFailed(str(exc)) from None
    return raw


def _optional_mobile(raw: str, country: str) -> str | None:
    if not raw.strip():
        return None
    return normalise_phone(raw, country, require_mobile=True)


def _new_secret(form: SettingsForm) -> str | None:
    """The replacement secret, or None (keep, or remove if asked)."""
    secret = form.new_webhook_secret.strip()
    if secret and not 16 <= len(secret) <= 128:
        raise ValidationFailed("the secret must be 16 to 128 characters")
    return secret or None
