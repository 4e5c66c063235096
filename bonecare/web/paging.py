"""Keyset pagination: opaque cursors over (sort key, id)."""

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Select, literal, tuple_

from bonecare.errors import Invalid


@cache
def _fernet(secret: str) -> Fernet:
    """The cursors' key, derived from the app's secret (a key of its own, so a cursor is never a token)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"bonecare cursor\0" + secret.encode()).digest()))


def encode_cursor(values: list) -> str:
    """An opaque cursor for the position after the given sort values: encrypted and authenticated, because sort
    values (a patient's name, when a time was logged) must not show in URLs and logs, nor be forged."""
    plain = [
        v.isoformat() if isinstance(v, date | datetime) else str(v) if isinstance(v, uuid.UUID) else v for v in values
    ]
    sealed = _fernet(current_app.config["SECRET_KEY"]).encrypt(json.dumps(plain, ensure_ascii=False).encode())
    return sealed.decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list:
    """The sort values inside a cursor; a cursor we did not make (or that was altered) is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(_fernet(current_app.config["SECRET_KEY"]).decrypt(padded.encode()))
    except (InvalidToken, ValueError) as exc:
        raise Invalid("The cursor is not one this server issued.", "cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise Invalid("The cursor is not one this server issued.", "cursor")
    return values


_PARSERS = {datetime: datetime.fromisoformat, date: date.fromisoformat, uuid.UUID: uuid.UUID}


def cursor_values(keys: list, raw: list) -> list:
    """A cursor's sort values read back by their keys' types; values that do not fit are a 422."""
    try:
        values = [_PARSERS.get(k.type.python_type, lambda v: v)(v) for k, v in zip(keys, raw, strict=True)]
    except (ValueError, TypeError) as exc:
        raise Invalid("The cursor is not one this server issued.", "cursor") from exc
    if any(isinstance(v, datetime) and v.tzinfo is None for v in values):  # we only issue instants with offsets
        raise Invalid("The cursor is not one this server issued.", "cursor")
    return values


def seek(stmt: Select, keys: list, values: list, descending=False) -> Select:
    """stmt narrowed to the rows after (descending: before) these values of the keys, as one row comparison."""
    position, after = tuple_(*keys), tuple_(*(literal(v, k.type) for k, v in zip(keys, values, strict=True)))
    return stmt.where(position < after if descending else position > after)


def paginate(session, stmt: Select, keys: list, limit: int, cursor: str | None, descending=False):
    """Run stmt ordered by keys (columns, ending with a unique one) from the cursor; returns (rows, next_cursor).
    A cursor's values are read back by their column's type."""
    if cursor:
        stmt = seek(stmt, keys, cursor_values(keys, decode_cursor(cursor, len(keys))), descending)
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, k.key) for k in keys])


def page_of_list(items: Sequence, query: dict) -> dict:
    """A page of a list already in memory (static content); the cursor is the position after the last item."""
    start = 0
    if query.get("cursor"):
        (start,) = decode_cursor(query["cursor"], 1)
        if not isinstance(start, int) or isinstance(start, bool) or start < 1:
            raise Invalid("The cursor is not one this server issued.", "cursor")
    end = start + query["limit"]
    return {"items": list(items[start:end]), "next_cursor": encode_cursor([end]) if end < len(items) else None}
