"""Keyset pages of the inbox's lists: a page starts just after (or just before) one row, found
by comparing the order's columns with that row's values, never by an OFFSET that grows with
the page number and shifts when a row is added or closed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Position:
    """Where a page starts: just `after` (or just before) one row. Only the row's kind and id
    travel in the address; its place in the order is read from the row itself."""

    row_id: int
    after: bool = True
    kind: str = "alert"


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    earlier: bool  # rows before this page
    later: bool  # rows after this page


def page(db: Session, stmt, order: tuple, boundary: tuple | None, forward: bool, limit: int):
    """A page of `stmt`'s rows in `order` ((column, descending?) pairs), just after
    (`forward`) or just before `boundary` (that order's values of one row; None: the start)."""
    columns = [column for column, _ in order]
    descending = [is_desc for _, is_desc in order]
    if boundary is not None:
        stmt = stmt.where(_beyond(columns, descending, boundary, forward))
    direction = [
        column.desc() if is_desc == forward else column.asc()
        for column, is_desc in zip(columns, descending, strict=True)
    ]
    rows = list(db.execute(stmt.order_by(*direction).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if forward:
        return KeysetPage(rows, boundary is not None, more)
    return KeysetPage(rows[::-1], more, True)


def _beyond(columns, descending, values, forward: bool):
    """Rows strictly after (forward) or before `values` in the order of `columns`."""
    clauses = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        later = (column < value) if descending[index] == forward else (column > value)
        same = [c == v for c, v in zip(columns[:index], values[:index], strict=True)]
        clauses.append(and_(*same, later))
    return or_(*clauses)
