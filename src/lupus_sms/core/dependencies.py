"""The typed dependencies every router shares, defined once: the request's database session,
the clock and the settings. Routes annotate a parameter with one of these
(`db: DbSession, clock: ClockDep`) instead of spelling out `Depends(...)` each time.

The session aliases live beside the session machinery in core/db.py and are re-exported
here, so that a router imports all three from one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import DbSession, ReadOnlySession, SignInSession

__all__ = ["ClockDep", "DbSession", "ReadOnlySession", "SettingsDep", "SignInSession"]

ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
