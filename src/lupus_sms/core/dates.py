"""The dates and times a clinic may give (API bodies, portal forms, CSV rows), bounded in one
place. Python's dates end at year 9999 and start at year 1: a day near either end overflows as
soon as it is moved to UTC or a reminder's offset is added, and nothing in a treatment is
that far away. So every accepted value is checked here, as given (no conversion that could
itself overflow), and refused with a message naming the allowed range:

- `CalendarDate`: a day in a person's life or treatment history (procedure dates),
  1900-01-01 to 2100-12-31.
- `NearDate`, `NearDateTime`: something the service plans texts around or acts on
  (appointments, milestones, the end of a pause, when an opt-out was given), within
  `NEAR_YEARS` of today. "Today" is the system clock's: a schema has no request, and a
  sanity bound this wide does not need the injectable one (business rules such as "not in
  the past" are checked by the services with the request's clock).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from lupus_sms.core.clock import system_clock

EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2100, 12, 31)
NEAR_YEARS = 10
# Pydantic error types whose message is written for people (forms show it as it is).
OUT_OF_RANGE = "date_out_of_range"


def _between(day: date, earliest: date, latest: date, why: str = "") -> None:
    if not earliest <= day <= latest:
        raise PydanticCustomError(
            OUT_OF_RANGE,
            "must be between {earliest} and {latest}{why}",
            {"earliest": earliest.isoformat(), "latest": latest.isoformat(), "why": why},
        )


def _calendar_day(value: date) -> date:
    _between(value, EARLIEST_DAY, LATEST_DAY)
    return value


def _near_range() -> tuple[date, date]:
    today = system_clock.now().date()
    reach = timedelta(days=round(365.25 * NEAR_YEARS))
    return today - reach, today + reach


def _near_day(value: date) -> date:
    _between(value, *_near_range(), f" (within {NEAR_YEARS} years of today)")
    return value


def _near_instant(value: datetime) -> datetime:
    # The day as written, before any time zone is applied: converting first could overflow.
    _near_day(value.date())
    return value


CalendarDate = Annotated[date, AfterValidator(_calendar_day)]
NearDate = Annotated[date, AfterValidator(_near_day)]
NearDateTime = Annotated[datetime, AfterValidator(_near_instant)]
