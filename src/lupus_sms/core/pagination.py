"""Cursor pagination shared by every list endpoint: `{"items": [...], "next_cursor": ...}`.

Keyset pagination on one unique, ordered column (usually the id): a page costs the same at
row 10 and at row 10 million, and rows added meanwhile never shift a page. The cursor is
opaque (base64 JSON) so the key can change without breaking clients that just echo it back.

Usage in a route:  `def list_things(page: PageParamsDep) -> Page[ThingOut]`
and in the service: `rows, next_cursor = paginate(db, stmt, params=page, key=Thing.id)`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lupus_sms.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(value: Any) -> str:
    raw = json.dumps({"k": value}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ValidationFailed("cursor is not valid", field="cursor") from None
    if not isinstance(value, int | str) or isinstance(value, bool):
        raise ValidationFailed("cursor is not valid", field="cursor")
    return value


def paginate(
    db: Session,
    stmt: Select,
    *,
    params: PageParams,
    key: InstrumentedAttribute,
    descending: bool = True,
) -> tuple[list, str | None]:
    """One page of `stmt` ordered by the unique column `key`, and the cursor of the next."""
    if params.cursor is not None:
        after = decode_cursor(params.cursor)
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(params.limit + 1)
    rows = list(db.scalars(stmt).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(getattr(rows[-1], key.key))


def page_of(schema: type[T], rows: list, next_cursor: str | None) -> Page[T]:
    """Rows from `paginate` in the API's list shape, each read through `schema`."""
    return Page[schema](items=[schema.model_validate(row) for row in rows], next_cursor=next_cursor)
