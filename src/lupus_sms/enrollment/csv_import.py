"""Bulk enrolment from CSV: one result per row, one transaction for the whole file.

Columns (header row required, any order, case-insensitive): `phone`, `consent_source` and
`program` are required; `name`, `external_id`, `language`, `timezone` and `procedure_date`
(YYYY-MM-DD) are optional. A UTF-8 byte-order mark, blank lines and quoted fields with commas
are fine. A row that fails is reported with its error and never blocks the others; an
existing patient (same phone, same clinic) is updated, so uploading a file again creates
nothing twice.

Rows are validated first; phone numbers and existing patients are then loaded in a few bulk
queries, so 10,000 rows cost a few hundred statements, not tens of thousands of lookups.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.core.errors import ConflictError, LupusSmsError, ValidationFailed
from lupus_sms.core.phones import phone_hash
from lupus_sms.core.timezones import validate_timezone
from lupus_sms.enrollment import consent, service
from lupus_sms.enrollment.models import Patient
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
)
REQUIRED = ("phone", "consent_source", "program")
MAX_ROWS = 50_000
CHUNK = 500
Progress = Callable[[int], None]


@dataclass
class _Row:
    line: int
    data: PatientCreate
    e164: str


def import_csv(
    db: Session, *, clinic: Clinic, text: str, now: datetime, progress: Progress | None = None
) -> ImportResultOut:
    """The use case: validate, apply, commit once."""
    rows, results = _validate_rows(_read_rows(text), clinic)
    by_e164 = _phone_numbers(db, [row.e164 for row in rows])
    existing = _existing_patients(db, clinic, [number.id for number in by_e164.values()])
    try:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            results += _apply_chunk(db, clinic, chunk, by_e164, existing, now)
            db.flush()
            if progress:
                progress(len(chunk))
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ConflictError(
            "these patients changed while the file was imported; upload it again"
        ) from None
    results.sort(key=lambda result: result.line)
    return _summary(results)


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
            rows.append(_Row(line, data, e164))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", field="file") from None
    return rows, errors


def _error(line: int, message: str) -> ImportRowOut:
    return ImportRowOut(line=line, result="error", error=message)


def _pydantic_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
    )


def _phone_numbers(db: Session, numbers: list[str]) -> dict[str, PhoneNumber]:
    """Load or create every number of the file (by hash: erased numbers keep only theirs)."""
    found: dict[str, PhoneNumber] = {}
    hashes = {phone_hash(e164): e164 for e164 in numbers}
    keys = list(hashes)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for number in db.scalars(select(PhoneNumber).where(PhoneNumber.phone_hash.in_(chunk))):
            e164 = hashes[number.phone_hash]
            number.e164 = e164  # reattach an erased number to its suppression entry
            found[e164] = number
    new = [PhoneNumber(e164=e164, phone_hash=h) for h, e164 in hashes.items() if e164 not in found]
    db.add_all(new)
    db.flush()
    found.update({number.e164: number for number in new})
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


def _apply_chunk(db, clinic, rows: list[_Row], by_e164, existing, now) -> list[ImportRowOut]:
    results: list[ImportRowOut] = []
    new_rows: list[tuple[_Row, Patient]] = []
    for row in rows:
        patient = existing.get(by_e164[row.e164].id)
        if patient is None or patient.status in service.REENROLLABLE:
            new_rows.append((row, _new_patient(db, clinic, row, by_e164, patient, now)))
        else:
            results.append(_update(db, row, patient, now))
    db.flush()
    created = [patient for _, patient in new_rows]
    consent.invite_new(db, clinic=clinic, patients=created, now=now)
    reenrolled = {patient.id for patient in existing.values()}
    for patient in created:
        service.sync_milestone(db, patient, now=now, new=patient.id not in reenrolled)
    results += [
        ImportRowOut(line=row.line, result="created", patient_id=p.id, status=p.status)
        for row, p in new_rows
    ]
    return results


def _new_patient(db, clinic, row: _Row, by_e164, patient: Patient | None, now) -> Patient:
    # A brand-new patient is pending or opted out, never active, so it has nothing to plan
    # yet; a re-enrolled one is replanned when its YES arrives (consent.confirm).
    patient = patient or Patient(clinic_id=clinic.id, phone_number=by_e164[row.e164])
    timezone = row.data.timezone or clinic.timezone
    service.fill_new_patient(patient, row.data, timezone=timezone, now=now)
    db.add(patient)
    return patient


def _update(db, row: _Row, patient: Patient, now) -> ImportRowOut:
    changes = row.data.model_dump(exclude_unset=True, exclude={"phone"})
    try:
        # apply_changes validates before it changes anything, so a refusal leaves no trace.
        changed = service.apply_changes(db, patient, changes, now=now)
    except LupusSmsError as exc:
        return _error(row.line, exc.message)
    result = "updated" if changed else "unchanged"
    return ImportRowOut(line=row.line, result=result, patient_id=patient.id, status=patient.status)


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
