"""The request parser: JSON bodies read strictly, so hostile input is a 4xx, never a 500."""

import json
import re

from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from bonecare.errors import BadRequest, Invalid

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


def loads(data: bytes):
    """A JSON request body, decoded strictly; json.JSONDecodeError (webargs' 400) for what is not JSON."""
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except RecursionError as exc:
        raise BadRequest(f"The request body is nested deeper than {MAX_DEPTH} levels.") from exc
    _check_document(value)
    return value


class StrictParser(FlaskParser):
    """webargs' Flask parser reading JSON strictly; each schema's Meta.unknown decides
    what to do with unknown fields, query strings included (webargs would otherwise drop them silently)."""

    def __init__(self):
        super().__init__(unknown=None)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))
