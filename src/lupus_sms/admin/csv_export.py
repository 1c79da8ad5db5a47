"""CSV downloads that are safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab or carriage return) is read by Excel, LibreOffice
and Google Sheets as a formula, so a crafted email or note could run one on the reader's
machine. Such cells are prefixed with a single quote, which shows the text as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from lupus_sms.audit.models import AuditEntry

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
AUDIT_COLUMNS = ("at_utc", "actor", "action", "target", "detail")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    rows = (
        (entry.at.isoformat(), entry.actor, entry.action, entry.target, entry.detail)
        for entry in entries
    )
    return to_csv(AUDIT_COLUMNS, rows)
