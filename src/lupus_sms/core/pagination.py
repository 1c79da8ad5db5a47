"""Cursor pagination shared by every list endpoint: `{"items": [...], "next_cursor": ...}`.

Keyset pagination on one unique, ordered column (usually the id): a page costs the same at
row 10 and at row 10 million, and rows added meanwhile never shift a page. The cursor is
opaque and signed (with SESSION_SECRET): a client can only echo back what we gave it, so a
crafted value never reaches a query, and the key can change without breaking clients. Its
position is checked again all the same: whole numbers from 0 to MAX_ID, as many as expected.

A cursor is also bound to the list it came from: the request's path (which list, of which
patient) and, through `bound_to`, the clinic whose key asked (clinics/dependencies.py). Only a
digest of that binding travels in the cursor; a cursor of another list or clinic is a 422
that says so, never a page of a list it was not made for.

Usage in a route:  `def list_things(page: PageParamsDep) -> Page[ThingOut]`
and in the service: `rows, next_cursor = paginate(db, stmt, params=page, key=Thing.id)`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from itsdangerous import BadData, URLSafeSerializer
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import SettingsDep
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
    secret: str = ""  # signs the cursors we hand out and checks the ones we get back
    scope: str = ""  # the list (and clinic) a cursor belongs to

    def bound_to(self, part: str) -> PageParams:
        """The same page, its cursors bound to `part` as well (a clinic, say)."""
        return replace(self, scope=f"{self.scope}|{part}")

    def position(self, size: int = 1) -> tuple[int, ...] | None:
        """Where the previous page ended: `size` whole numbers, or None on the first page."""
        if self.cursor is None:
            return None
        try:
            value = _signer(self.secret).loads(self.cursor)
        except BadData:
            raise ValidationFailed("cursor is not valid", field="cursor") from None
        if not isinstance(value, dict) or set(value) != {"at", "of"}:
            raise ValidationFailed("cursor is not valid", field="cursor")
        if value["of"] != self._scope_digest():
            raise ValidationFailed(
                "cursor belongs to another list or clinic: use the next_cursor of this list, "
                "or leave cursor out for its first page",
                field="cursor",
            )
        if not _is_position(value["at"], size):  # only we sign, but a key change must not 500
            raise ValidationFailed("cursor is not valid", field="cursor")
        return tuple(value["at"])

    def cursor_for(self, *position: int) -> str:
        return _signer(self.secret).dumps({"at": list(position), "of": self._scope_digest()})

    def _scope_digest(self) -> str:
        return hashlib.sha256(self.scope.encode()).hexdigest()[:16]


def page_params(
    request: Request,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageParams:
    return PageParams(
        limit=limit, cursor=cursor, secret=settings.session_secret, scope=request.url.path
    )


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="lupus-cursor")


def _is_position(value: object, size: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == size
        and all(type(part) is int and 0 <= part <= MAX_ID for part in value)
    )


def paginate(
    db: Session,
    stmt: Select,
    *,
    params: PageParams,
    key: InstrumentedAttribute,
    descending: bool = True,
) -> tuple[list, str | None]:
    """One page of `stmt` ordered by the unique column `key`, and the cursor of the next."""
    position = params.position()
    if position is not None:
        (after,) = position
        stmt = stmt.where(key < after if descending else key > after)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(params.limit + 1)
    rows = list(db.scalars(stmt).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, params.cursor_for(getattr(rows[-1], key.key))


def page_of(schema: type[T], rows: list, next_cursor: str | None) -> Page[T]:
    """Rows from `paginate` in the API's list shape, each read through `schema`."""
    return Page[schema](items=[schema.model_validate(row) for row in rows], next_cursor=next_cursor)
