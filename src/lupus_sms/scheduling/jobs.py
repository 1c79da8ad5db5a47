"""What one scheduler tick does, in order. Each step takes (session_factory, now) and returns
how many items it handled. Domains append their periodic work here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

TickStep = Callable[[sessionmaker[Session], datetime], int]

TICK_STEPS: list[tuple[str, TickStep]] = []
