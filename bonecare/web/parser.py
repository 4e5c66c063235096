"""The request parser: JSON bodies read strictly, so hostile input is a 4xx, never a 500."""

import json
import re

import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from bonecare.errors import BadRequest, Invalid, validation_detail

MAX_DEPTH = 32
MAX_DIGITS = 18  # a signed 64-bit integer; no field of ours needs more
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")  # NUL, and UTF-16 surrogates JSON's \u escapes let through unpaired
_UNSAFE_MESSAGE = "Must not contain NUL characters or unpaired UTF-16 surrogates."


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise BadRequest(f"A number in the request body has more than {MAX_DIGITS} digits.")
    return int(digits)


def _real(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadRequest("A number in the request body is too large.")
    return value


def _constant(name: str):
    raise BadRequest(f"{name} is not a JSON value.")


def _check_text(text: str, path: tuple) -> None:
    if _UNSAFE_TEXT.search(text):
        raise Invalid(_UNSAFE_MESSAGE, ".".join(map(str, path)) or "_schema")


def _check_document(value) -> None:
    """Refuse a decoded document nested deeper than MAX_DEPTH, or with NUL or lone surrogates in any key or string."""
    stack = [((), value)]
    while stack:
        path, item = stack.pop()
        if len(path) > MAX_DEPTH:
            raise BadRequest(f"The request body is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(item, dict):
            for key, sub in item.items():
                _check_text(key, path)  # a bad key is named by where it stands, not by itself
                stack.append(((*path, key), sub))
        elif isinstance(item, list):
            stack.extend(((*path, i), sub) for i, sub in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, path)


# What marshmallow reads besides the JSON type its field has (1 or "yes" for a boolean, "12" or true for a number,
# 12.5 for an integer, which it truncates): a JSON body must send the type the spec says.
_JSON_TYPES = (
    (ma.fields.Boolean, lambda v: isinstance(v, bool), "Not a valid boolean."),
    (ma.fields.Integer, lambda v: isinstance(v, int) and not isinstance(v, bool), "Not a valid integer."),
    (ma.fields.Number, lambda v: isinstance(v, int | float) and not isinstance(v, bool), "Not a valid number."),
)


def _type_errors(schema: ma.Schema, data, path: tuple = ()) -> dict[str, list[str]]:
    """The fields of a decoded body (nested ones too) whose value is not of their JSON type, by dotted path."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return errors  # marshmallow says so
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in data and not field.dump_only:
            errors.update(_value_errors(field, data[key], (*path, key)))
    return errors


def _value_errors(field: ma.fields.Field, value, path: tuple) -> dict[str, list[str]]:
    if value is None:
        return {}  # allow_none decides
    if isinstance(field, ma.fields.Nested):
        items = enumerate(value) if field.many and isinstance(value, list) else [(None, value)]
        errors = {}
        for i, item in items:
            errors.update(_type_errors(field.schema, item, path if i is None else (*path, i)))
        return errors
    if isinstance(field, ma.fields.List) and isinstance(value, list):
        errors = {}
        for i, item in enumerate(value):
            errors.update(_value_errors(field.inner, item, (*path, i)))
        return errors
    for kind, ok, message in _JSON_TYPES:
        if isinstance(field, kind):
            return {} if ok(value) else {".".join(map(str, path)): [message]}
    return {}


def loads(data: bytes):
    """A JSON request body, decoded strictly; json.JSONDecodeError (webargs' 400) for what is not JSON."""
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except RecursionError as exc:
        raise BadRequest(f"The request body is nested deeper than {MAX_DEPTH} levels.") from exc
    _check_document(value)
    return value


class StrictParser(FlaskParser):
    """webargs' Flask parser reading JSON strictly, each field of a body of its own JSON type; each schema's
    Meta.unknown decides what to do with unknown fields, query strings included (webargs would otherwise drop them
    silently)."""

    def __init__(self):
        super().__init__(unknown=None)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))

    def pre_load(self, location_data, *, schema, req, location):
        if location == "json" and (errors := _type_errors(schema, location_data)):
            raise Invalid(validation_detail(errors), errors=errors)
        return location_data
