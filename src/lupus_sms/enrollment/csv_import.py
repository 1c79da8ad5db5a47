"""Bulk enrolment from CSV: one result per row, one transaction for the whole file.

Columns (header row required, any order, case-insensitive): `phone`, `consent_source` and
`program` are required; `name`, `external_id`, `language`, `timezone`, `procedure_date`
(YYYY-MM-DD) and `privacy_level` (`discreet` or `detailed`: a choice the patient made in
person, recorded only for a number that replied YES to the clinic) are optional. A UTF-8
byte-order mark, blank lines and quoted fields with commas are fine. A row that fails is
reported with its error and never blocks the others; an existing patient (same phone, same
clinic) is updated, so uploading a file again creates nothing twice.

Rows are validated first; phone numbers and existing patients are then loaded in a few bulk
queries, and new phone numbers, patients, invitations and consent events are written with
executemany INSERTs (SQLAlchemy Core, no ORM objects), so 100,000 rows cost a few hundred
statements and well under a minute on SQLite (BENCHMARKS.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import PRIVACY_LEVELS
from lupus_sms.core.errors import ConflictError, LupusSmsError, ValidationFailed
from lupus_sms.core.phones import phone_hash
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.core.text_input import refuse_in_text
from lupus_sms.core.timezones import validate_timezone
from lupus_sms.enrollment import consent, privacy, service
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.enrollment.schemas import ImportResultOut, ImportRowOut, PatientCreate
from lupus_sms.messaging.models import PhoneNumber

COLUMNS = (
    "phone",
    "consent_source",
    "program",
    "name",
    "external_id",
    "language",
    "timezone",
    "procedure_date",
    "privacy_level",
)
REQUIRED = ("phone", "consent_source", "program")
MAX_ROWS = 100_000
CHUNK = 500  # ids per IN (...) lookup
WRITE_CHUNK = 5_000  # rows per executemany INSERT and per progress step
Progress = Callable[[int], None]


@dataclass
class _Row:
    line: int
    data: PatientCreate
    e164: str
    privacy_level: str | None = None


def import_csv(
    db: Session,
    *,
    clinic: Clinic,
    text: str,
    now: datetime,
    progress: Progress | None = None,
    trail: Trail | None = None,
) -> ImportResultOut:
    """The use case: validate, apply, commit once (with the portal's `patient.import` entry
    when given its trail)."""
    refuse_in_text(text, field="file")  # a NUL could not even be stored (core/text_input.py)
    rows, results = _validate_rows(_read_rows(text), clinic)
    numbers = _phone_numbers(db, [row.e164 for row in rows])
    existing = _existing_patients(db, clinic, [number.id for number in numbers.values()])
    try:
        with one_transaction(db):
            for start in range(0, len(rows), WRITE_CHUNK):
                chunk = rows[start : start + WRITE_CHUNK]
                results += _apply_chunk(db, clinic, chunk, numbers, existing, now)
                db.flush()
                if progress:
                    progress(len(chunk))
            results.sort(key=lambda result: result.line)
            summary = _summary(results)
            record_on(db, trail, action="patient.import", now=now, target=f"clinic:{clinic.id}",
                      detail=_counts(summary))  # fmt: skip
    except IntegrityError:
        raise ConflictError(
            "these patients changed while the file was imported; upload it again"
        ) from None
    return summary


def _read_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ValidationFailed("the file is empty; the first line must name the columns")
    names = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise ValidationFailed(f"missing column(s): {', '.join(missing)}", field="file")
    unknown = [column for column in names if column and column not in COLUMNS]
    if unknown:
        raise ValidationFailed(f"unknown column(s): {', '.join(unknown)}", field="file")
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if reader.line_num > MAX_ROWS + 1:
            raise ValidationFailed(f"at most {MAX_ROWS} rows per file", field="file")
        values = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name}
        yield reader.line_num, {key: value for key, value in values.items() if value != ""}


def _validate_rows(raw_rows, clinic: Clinic) -> tuple[list[_Row], list[ImportRowOut]]:
    rows: list[_Row] = []
    errors: list[ImportRowOut] = []
    seen: dict[str, int] = {}
    try:
        for line, values in raw_rows:
            try:
                privacy_level = _privacy_level(values.pop("privacy_level", None))
                data = PatientCreate.model_validate(values)
                e164 = service.normalise_patient_phone(data.phone, clinic)
                validate_timezone(clinic.timezone if data.timezone is None else data.timezone)
            except ValidationError as exc:
                errors.append(_error(line, _pydantic_message(exc)))
                continue
            except LupusSmsError as exc:
                errors.append(_error(line, exc.message))
                continue
            if e164 in seen:
                errors.append(_error(line, f"same phone as line {seen[e164]}"))
                continue
            seen[e164] = line
            rows.append(_Row(line, data, e164, privacy_level))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", field="file") from None
    return rows, errors


def _privacy_level(value: str | None) -> str | None:
    if value is None:
        return None
    if value.lower() not in PRIVACY_LEVELS:
        raise ValidationFailed(
            f"privacy_level: {' or '.join(PRIVACY_LEVELS)}", field="privacy_level"
        )
    return value.lower()


def _error(line: int, message: str) -> ImportRowOut:
    return ImportRowOut(line=line, result="error", error=message)


def _pydantic_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
    )


@dataclass(frozen=True)
class _Number:
    id: int
    opted_out: bool


def _phone_numbers(db: Session, numbers: list[str]) -> dict[str, _Number]:
    """Load or create every number of the file (by hash: erased numbers keep only theirs).
    New numbers go in with executemany INSERTs, without ORM objects, and are read back by
    hash (a RETURNING in input order would make SQLite insert row by row)."""
    hashes = {phone_hash(e164): e164 for e164 in numbers}
    found = _numbers_by_hash(db, hashes, reattach=True)
    new = [{"e164": e164, "phone_hash": h, "opted_out": False, "language": ""}
           for h, e164 in hashes.items() if e164 not in found]  # fmt: skip
    if new:
        db.execute(insert(PhoneNumber.__table__), new)
        found.update(_numbers_by_hash(db, {row["phone_hash"]: row["e164"] for row in new}))
    return found


def _numbers_by_hash(db: Session, hashes: dict[str, str], *, reattach=False) -> dict[str, _Number]:
    found: dict[str, _Number] = {}
    keys = list(hashes)
    columns = (PhoneNumber.id, PhoneNumber.phone_hash, PhoneNumber.e164, PhoneNumber.opted_out)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for number_id, key, stored, opted_out in db.execute(
            select(*columns).where(PhoneNumber.phone_hash.in_(chunk))
        ):
            e164 = hashes[key]
            if reattach and stored != e164:  # an erased number's suppression entry
                db.execute(update(PhoneNumber).where(PhoneNumber.id == number_id).values(e164=e164))
            found[e164] = _Number(number_id, opted_out)
    return found


def _existing_patients(db: Session, clinic: Clinic, number_ids: list[int]) -> dict[int, Patient]:
    existing: dict[int, Patient] = {}
    for start in range(0, len(number_ids), CHUNK):
        chunk = number_ids[start : start + CHUNK]
        stmt = select(Patient).where(
            Patient.clinic_id == clinic.id, Patient.phone_number_id.in_(chunk)
        )
        existing.update({patient.phone_number_id: patient for patient in db.scalars(stmt)})
    return existing


def _apply_chunk(db, clinic, rows: list[_Row], numbers, existing, now) -> list[ImportRowOut]:
    results: list[ImportRowOut] = []
    fresh: list[_Row] = []
    reenrolled: list[tuple[_Row, Patient]] = []
    for row in rows:
        patient = existing.get(numbers[row.e164].id)
        if row.privacy_level and (patient is None or not patient.consented):
            results.append(_error(row.line, f"privacy_level: {privacy.NOT_CONSENTED}"))
        elif patient is None:
            fresh.append(row)
        elif patient.status in service.REENROLLABLE:
            reenrolled.append((row, _new_patient(db, clinic, row, patient, now)))
        else:
            results.append(_update(db, row, patient, now))
    results += _create_fresh(db, clinic, fresh, numbers, now)
    if reenrolled:
        db.flush()
        patients = [patient for _, patient in reenrolled]
        consent.invite_new(db, clinic=clinic, patients=patients, now=now)
        for patient in patients:
            service.sync_milestone(db, patient, now=now)
        results += [
            ImportRowOut(line=row.line, result="created", patient_id=p.id, status=p.status)
            for row, p in reenrolled
        ]
    return results


def _create_fresh(db, clinic, rows: list[_Row], numbers, now) -> list[ImportRowOut]:
    """Brand-new patients, their invitations and milestones: executemany INSERTs, no ORM
    objects (the ORM's per-object cost dominated large files). A new patient is pending or
    opted out, never active, so there is nothing to plan yet. Keep in step with
    `service.fill_new_patient` and `consent.invite`."""
    if not rows:
        return []
    values = [_patient_values(clinic, row, numbers[row.e164], now) for row in rows]
    db.execute(insert(Patient.__table__), values)
    ids = _new_patient_ids(db, clinic, [value["phone_number_id"] for value in values])
    invitees = [
        (patient_id, value["phone_number_id"], row.e164)
        for row, value, patient_id in zip(rows, values, ids, strict=True)
        if value["status"] == PatientStatus.PENDING_CONSENT
    ]
    # A new enrolment waits for its YES: it is invited in the language its row named (English
    # by default), never the one the number chose with another clinic (SECURITY.md).
    languages = {
        patient_id: value["language"] for value, patient_id in zip(values, ids, strict=True)
    }
    consent.invite_new_rows(db, clinic=clinic, invitees=invitees, now=now, languages=languages)
    _add_milestones(db, values, ids, now)
    return [
        ImportRowOut(line=row.line, result="created", patient_id=patient_id, status=v["status"])
        for row, v, patient_id in zip(rows, values, ids, strict=True)
    ]


def _new_patient_ids(db: Session, clinic: Clinic, number_ids: list[int]) -> list[int]:
    """The ids of the patients just inserted, in the order of `number_ids` (a patient is
    unique per clinic and number)."""
    by_number: dict[int, int] = {}
    for start in range(0, len(number_ids), CHUNK):
        chunk = number_ids[start : start + CHUNK]
        rows = db.execute(
            select(Patient.phone_number_id, Patient.id).where(
                Patient.clinic_id == clinic.id, Patient.phone_number_id.in_(chunk)
            )
        )
        by_number.update({number_id: patient_id for number_id, patient_id in rows})
    return [by_number[number_id] for number_id in number_ids]


def _patient_values(clinic: Clinic, row: _Row, number: _Number, now: datetime) -> dict:
    data = row.data
    return {
        "clinic_id": clinic.id,
        "phone_number_id": number.id,
        "name": data.name or None,
        "external_id": data.external_id or None,
        "language": data.language,
        "timezone": data.timezone or clinic.timezone,
        "program": data.program,
        "procedure_date": data.procedure_date,
        "consent_source": data.consent_source,
        # A texted STOP outranks any clinic: nothing is sent until the number texts START.
        "status": PatientStatus.OPTED_OUT if number.opted_out else PatientStatus.PENDING_CONSENT,
        "paused_until": None,
        "erased_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _add_milestones(db: Session, values: list[dict], ids: list[int], now: datetime) -> None:
    """The program's day-0 milestone of each new patient with a procedure date (what
    `service.sync_milestone` does for a new patient)."""
    anchors = []
    for value, patient_id in zip(values, ids, strict=True):
        kind = service.MILESTONE_KIND.get(value["program"])
        at = service._local_midnight(value["procedure_date"], value["timezone"])
        if kind and at:
            anchors.append(
                {
                    "patient_id": patient_id,
                    "category": "milestone",
                    "kind": kind,
                    "at": at,
                    "all_day": True,
                    "location": None,
                    "status": "scheduled",
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if anchors:
        db.execute(insert(Anchor.__table__), anchors)


def _new_patient(db, clinic, row: _Row, patient: Patient, now) -> Patient:
    # A re-enrolled patient is replanned when its YES arrives (consent.confirm).
    timezone = row.data.timezone or clinic.timezone
    service.fill_new_patient(patient, row.data, timezone=timezone, now=now)
    db.add(patient)
    language = row.data.language if "language" in row.data.model_fields_set else None
    service.set_language(db, patient, language)
    return patient


def _update(db, row: _Row, patient: Patient, now) -> ImportRowOut:
    changes = row.data.model_dump(exclude_unset=True, exclude={"phone"})
    try:
        # apply_changes validates before it changes anything, so a refusal leaves no trace.
        changed = service.apply_changes(db, patient, changes, now=now)
        if row.privacy_level:
            changed = (
                privacy.set_privacy_level(
                    db, patient, level=row.privacy_level, source=consent.CSV, now=now
                )
                or changed
            )
    except LupusSmsError as exc:
        return _error(row.line, exc.message)
    result = "updated" if changed else "unchanged"
    return ImportRowOut(line=row.line, result=result, patient_id=patient.id, status=patient.status)


def _counts(summary: ImportResultOut) -> str:
    return f"{summary.created} created, {summary.updated} updated, {summary.failed} failed"


def _summary(results: list[ImportRowOut]) -> ImportResultOut:
    counts = {kind: 0 for kind in ("created", "updated", "unchanged", "error")}
    for result in results:
        counts[result.result] += 1
    return ImportResultOut(
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        failed=counts["error"],
        rows=results,
    )
