"""A clinic's conversation settings: how long a patient's texts belong to a conversation
after a staff message (`conversation_hours`), and how often an unanswered one is notified
again (`conversation_renotify_minutes`). One use case for the API; the checks are the
settings form's to reuse. Each value is checked, all errors at once, nothing changed unless
both are valid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.settings import SettingsInvalid, conversation_problem


def problems(values: dict[str, int | None]) -> dict[str, str]:
    """What is wrong with each given value (None: left as it is); the settings form's checks."""
    found = {name: conversation_problem(name, value) for name, value in values.items()
             if value is not None}  # fmt: skip
    return {name: problem for name, problem in found.items() if problem}


def update(
    db: Session,
    *,
    clinic: Clinic,
    values: dict[str, int | None],
    now: datetime,
    trail: Trail,
) -> list[str]:
    """Apply the given values (`SettingsInvalid` refuses them): the names of the settings that
    changed, audited as `settings_changed` when any did. A running conversation keeps the
    `routes_until` it has; the next staff message uses the new length."""
    errors = problems(values)
    if errors:
        raise SettingsInvalid(errors)
    with one_transaction(db):
        changed = [
            name
            for name, value in values.items()
            if value is not None and getattr(clinic, name) != value
        ]
        for name in changed:
            setattr(clinic, name, values[name])
        if changed:
            record_on(db, trail, action="settings_changed", now=now,
                      target=f"clinic:{clinic.id}", detail=", ".join(changed))  # fmt: skip
    return changed
