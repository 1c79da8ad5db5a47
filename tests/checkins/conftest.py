"""Check-in tests share the alert tests' clinic, patient, open check-in, webhook and tick: a
check-in answer is most often checked by the alert it raises."""

from __future__ import annotations

from tests.alerts.conftest import (  # noqa: F401 - fixtures, found by name
    clinic,
    headers,
    patient,
    receiver,
    session_factory,
    sms_transport,
    tick,
)
