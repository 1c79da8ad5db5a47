"""Claiming due rows so that several workers never take the same one.

PostgreSQL: one `UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR UPDATE SKIP LOCKED LIMIT
n)) RETURNING id` picks a batch and marks it with a claim token. SQLAlchemy silently drops SKIP
LOCKED on SQLite, where the same conditional `UPDATE ... WHERE status = :expected ...
RETURNING id` relies on the write lock: of two overlapping claimers only the first sees the
rows in the expected status. The caller commits the claim before doing anything slow (a
lease), so no row lock is held during a call to Twilio.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, any_, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session


def new_token() -> str:
    return str(uuid.uuid4())


def claim_rows(
    db: Session,
    *,
    model: type,
    due: Select,
    status_column: InstrumentedAttribute,
    expected_status: str,
    values: dict[str, object],
) -> list[int]:
    """Set `values` on the rows that `due` (a SELECT of ids, with LIMIT) finds, if they are
    still in `expected_status`; return the ids claimed. Flushes, the caller commits."""
    id_column = model.id
    if db.get_bind().dialect.name == "postgresql":
        # The subquery locks what it picks and skips rows another claimer holds. `= ANY(ARRAY(
        # ...))` makes PostgreSQL run it once; under `IN (...)` it may run it per row.
        picked = due.with_for_update(skip_locked=True).scalar_subquery()
        matches = id_column == any_(func.array(picked))
    else:
        matches = id_column.in_(due.scalar_subquery())
    statement = (
        update(model)
        .where(matches, status_column == expected_status)
        .values(**values)
        .returning(id_column)
    )
    return list(db.scalars(statement, execution_options={"synchronize_session": False}))


def ids_with_token(db: Session, model: type, token: str) -> list[int]:
    return list(db.scalars(select(model.id).where(model.claim_token == token).order_by(model.id)))
