"""Control characters in what people send us are refused, in one place, before any handler.

PostgreSQL refuses NUL in text (a 500 if it reached a query), and no name, email, label,
location or note needs a control character: they are typing mistakes at best and probes at
worst. Tab, line feed and carriage return stay allowed (notes and content have lines).

Rather than a constrained type on each field, every API, admin and portal route checks its
whole request here (path parameters, query, form fields, JSON strings and keys), so a field
added tomorrow is covered too. Uploaded files are checked by what reads them (the CSV import
calls `refuse_in_text`). Twilio's webhooks are not checked: their NUL is removed after the
signature is verified (messaging/signatures.py).

The same check refuses a number in a path that no id column can hold (ids are 32-bit): it
would overflow the database driver (a 500) rather than find nothing. It is a missing page.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from lupus_sms.core.db import MAX_ID
from lupus_sms.core.errors import ValidationFailed

# C0 controls and DEL; and the line separators and bidirectional overrides that make a name
# display as something else (U+2028/9, U+202A-E, U+2066-9).
CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def refuse_in_text(value: str, *, field: str) -> None:
    """ValidationFailed naming `field` and the character when `value` holds a control one."""
    found = CONTROL_CHARACTERS.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise ValidationFailed(
            f"{field}: control characters such as {code} are not allowed; remove them",
            field=field,
        )


def refusing_crafted_input(page_error: Callable[[int, str], Exception] | None = None):
    """A route dependency checking the whole request (control characters anywhere, ids out of
    range in the path); a console passes its own error page."""

    async def check(request: Request) -> AsyncIterator[None]:
        _refuse_ids_out_of_range(request, page_error)
        form = await _form_of(request)
        try:
            await _refuse_control_characters(request, form, page_error)
            yield
        finally:  # after the response: a form read here for a route that takes none is closed
            if form is not None:
                await form.close()

    return check


def _refuse_ids_out_of_range(request: Request, page_error) -> None:
    if page_error is None:
        return  # the API types its ids (`Path(le=MAX_ID)`): a 422 naming the parameter
    for value in request.path_params.values():
        if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > MAX_ID:
            raise page_error(404, "Not found: no such page or record.")


async def _refuse_control_characters(request: Request, form: FormData | None, page_error) -> None:
    try:
        for field, value in await _texts_of(request, form):
            refuse_in_text(value, field=field)
    except ValidationFailed as exc:
        if page_error is None:
            raise
        raise page_error(422, exc.message) from None


async def _form_of(request: Request) -> FormData | None:
    if _content_type(request) in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return await request.form()
    return None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _texts_of(request: Request, form: FormData | None) -> list[tuple[str, str]]:
    texts = [(str(name), str(value)) for name, value in request.path_params.items()]
    for name, value in request.query_params.multi_items():
        texts += [("query", name), (name, value)]
    for name, value in form.multi_items() if form is not None else ():
        texts.append(("form", name))
        if isinstance(value, str):  # an uploaded file is read by its own parser
            texts.append((name, value))
    kind = _content_type(request)
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = json.loads(await request.body())
        except ValueError:  # not JSON at all: the route's own parsing answers that
            return texts
        texts += list(_json_texts(body, ""))
    return texts


def _json_texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path or "body", key
            yield from _json_texts(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_texts(item, f"{path}.{index}" if path else str(index))
