"""Fast bulk loading of synthetic patients, plans and outbox rows (not through the API).

PostgreSQL gets `COPY ... FROM STDIN`; SQLite gets `executemany` in one transaction. Ids
are given explicitly so the rows can reference each other without a round trip; the
PostgreSQL sequences are moved past them afterwards so the app can insert as usual.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from lupus_sms.core.db import make_engine

BENCH_SENDER = "+12025550100"
STEP_KEYS = [f"bench_step_{index:02d}" for index in range(100)]


def bulk_insert(engine: Engine, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples in `columns` order); returns how many."""
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, columns, rows)
    return _executemany(engine, table, columns, rows)


def _copy(engine: Engine, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        connection.commit()
    finally:
        raw.close()
    return count


def _executemany(engine: Engine, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        cursor.execute("BEGIN")
        for chunk in _chunks((tuple(_sqlite_value(v) for v in row) for row in rows), 20_000):
            cursor.executemany(statement, chunk)
            count += len(chunk)
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return count


def _sqlite_value(value):
    # The format SQLAlchemy's SQLite DateTime type writes and reads (UTC, no offset).
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def phone_of(index: int) -> str:
    return f"+1617{2000000 + index:07d}"


def load_population(
    url: str, *, patients: int, planned_per_patient: int, now: datetime, due_planned: int = 0
) -> dict[str, float]:
    """One clinic; `patients` active patients, each with a phone number, one anchor and
    `planned_per_patient` planned messages in the future (the first `due_planned` rows are
    due now). Returns rows per table and the seconds it took."""
    engine = make_engine(url)
    started = time.perf_counter()
    counts = {
        "clinics": bulk_insert(engine, "clinics", CLINIC_COLUMNS, [_clinic_row(now)]),
        "phone_numbers": bulk_insert(
            engine, "phone_numbers", PHONE_COLUMNS, (_phone_row(i, now) for i in range(patients))
        ),
        "patients": bulk_insert(
            engine, "patients", PATIENT_COLUMNS, (_patient_row(i, now) for i in range(patients))
        ),
        "anchors": bulk_insert(
            engine, "anchors", ANCHOR_COLUMNS, (_anchor_row(i, now) for i in range(patients))
        ),
    }
    rows = _planned_rows(patients, planned_per_patient, now, due_planned)
    counts["planned_messages"] = bulk_insert(engine, "planned_messages", PLANNED_COLUMNS, rows)
    finish_load(engine)
    engine.dispose()
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def load_outbox(url: str, *, messages: int, patients: int, now: datetime) -> int:
    """`messages` queued reminders, due a minute ago, spread over the first `patients`."""
    engine = make_engine(url)
    due = now - timedelta(minutes=1)
    rows = (
        (i + 1, "outbound", phone_of(i % patients), BENCH_SENDER, 1, i % patients + 1,
         "reminder", f"Reminder {i}: your clinic visit is tomorrow.", "queued", "GSM-7", 1,
         0, due, now, now)
        for i in range(messages)
    )  # fmt: skip
    count = bulk_insert(engine, "messages", MESSAGE_COLUMNS, rows)
    finish_load(engine)
    engine.dispose()
    return count


def finish_load(engine: Engine) -> None:
    """Move PostgreSQL sequences past the explicit ids and refresh the planner statistics."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("clinics", "phone_numbers", "patients", "anchors", "planned_messages",
                      "messages"):  # fmt: skip
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
            )
        connection.exec_driver_sql("ANALYZE")


CLINIC_COLUMNS = ["id", "name", "office_phone", "urgent_phone", "timezone", "country", "sender",
                  "send_window_start", "send_window_end", "is_demo", "alert_sms_to_urgent_phone",
                  "created_at", "updated_at"]  # fmt: skip
PHONE_COLUMNS = ["id", "e164", "phone_hash", "opted_out", "language", "created_at", "updated_at"]
PATIENT_COLUMNS = ["id", "clinic_id", "phone_number_id", "language", "timezone", "program",
                   "consent_source", "status", "consented_at", "created_at",
                   "updated_at"]  # fmt: skip
ANCHOR_COLUMNS = ["id", "patient_id", "category", "kind", "at", "all_day", "status", "revision",
                  "created_at", "updated_at"]  # fmt: skip
PLANNED_COLUMNS = ["id", "patient_id", "step_key", "anchor_id", "anchor_revision", "due_at",
                   "status", "created_at", "updated_at"]  # fmt: skip
MESSAGE_COLUMNS = ["id", "direction", "phone", "sender", "clinic_id", "patient_id", "kind",
                   "body", "status", "encoding", "segments", "attempts", "next_attempt_at",
                   "created_at", "updated_at"]  # fmt: skip


def daytime_zone(now: datetime) -> str:
    """A fixed-offset zone where `now` is about noon: texts are never sent at night, and a
    benchmark must measure sending whatever hour it runs at."""
    offset = 12 - now.astimezone(UTC).hour  # -11 .. +12 hours from UTC
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs are inverted


def _clinic_row(now: datetime) -> tuple:
    return (1, "Bench Clinic", "+12025550111", "+12025550112", daytime_zone(now), "US",
            BENCH_SENDER, "08:00", "20:00", False, False, now, now)  # fmt: skip


def _phone_row(index: int, now: datetime) -> tuple:
    e164 = phone_of(index)
    return (index + 1, e164, hashlib.sha256(e164.encode()).hexdigest(), False, "en", now, now)


def _patient_row(index: int, now: datetime) -> tuple:
    zone = daytime_zone(now)
    return (index + 1, 1, index + 1, "en", zone, "ahsct", "written", "active", now, now, now)


def _anchor_row(index: int, now: datetime) -> tuple:
    at = now + timedelta(days=30 + index % 300)
    return (index + 1, index + 1, "milestone", "infusion", at, False, "scheduled", 1, now, now)


def _planned_rows(patients: int, per_patient: int, now: datetime, due: int) -> Iterator[tuple]:
    row_id = 0
    for patient in range(patients):
        for step in range(per_patient):
            row_id += 1
            offset = timedelta(minutes=-1) if row_id <= due else timedelta(days=1 + step * 14)
            yield (row_id, patient + 1, STEP_KEYS[step], patient + 1, 1, now + offset,
                   "planned", now, now)  # fmt: skip
