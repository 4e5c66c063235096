"""Versions over HTTP: `ETag: "<version>"` on a record, `If-Match` on a write, and a 412 that shows the record
as it is now."""

import functools
import re

from flask import request
from flask_smorest import Blueprint

from bonecare.database import version_of
from bonecare.errors import Invalid, PreconditionFailed

_ETAG = re.compile(r'^\s*(?:(?:W/)?"(\d{1,18})"|(\d{1,18}))\s*$')  # the version bare, too (a common slip)
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "pattern": r'^(\*|(W/)?"\d{1,18}"|\d{1,18})$'},
    "description": 'the version the write expects (the ETag a GET gave, `"7"`); another is a 412. Without it, '
    "the last write wins.",
}


def if_match() -> int | None:
    """The version a write's If-Match names, or None (no header, or `*`)."""
    value = request.headers.get("If-Match")
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if not match:
        raise Invalid('If-Match must be one entity tag, such as "7".', "If-Match")
    return int(match.group(1) or match.group(2))


def tagged(record, status: int = 200):
    """A record's response with its ETag."""
    return record, status, {"ETag": f'"{version_of(record)}"'}


def conditional(schema):
    """A write that honours If-Match: documented with the header and its 412, whose `current` is the record as
    it is now, dumped with the operation's own schema (null when there is none)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except PreconditionFailed as exc:
                exc.extra = {"current": None if exc.record is None else schema().dump(exc.record)}
                raise

        return Blueprint.doc(parameters=[IF_MATCH], responses={"412": "PRECONDITION_FAILED"})(wrapper)

    return decorator
