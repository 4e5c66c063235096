"""schemathesis hooks: path parameters resolve to real records, and cursors are ones the server issued, so that
fuzzing reaches the handlers.

The values come from the runner (FUZZ_PATH_VALUES, JSON: {spec path: {param: value}}). `{pid}` is always the
patient's own; any other id is the real one for about half of the generated cases and left as generated for the
rest, so that malformed and unknown ids are fuzzed too.

A cursor is sealed (web/paging.py), so none that a generator makes is one the server issued: a case whose query is
valid gets the list's real cursor (FUZZ_CURSORS, {spec path: cursor}) or none; a case whose query is meant to be
invalid keeps its own.
"""

import json
import os
import zlib

import schemathesis
from schemathesis.core.parameters import ParameterLocation

_VALUES: dict[str, dict[str, str]] = json.loads(os.environ.get("FUZZ_PATH_VALUES", "{}"))
_CURSORS: dict[str, str] = json.loads(os.environ.get("FUZZ_CURSORS", "{}"))


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """Put the world's real ids into the generated path parameters (a negative case may have none: null)."""
    if not isinstance(path_parameters, dict):
        return path_parameters
    real = _VALUES.get(context.operation.path, {})
    for name, value in real.items():
        generated = path_parameters.get(name)
        if name == "pid" or zlib.crc32(repr(generated).encode()) % 2 == 0:
            path_parameters[name] = value
    return path_parameters


@schemathesis.hook
def map_case(context, case):
    """A valid query's cursor is the list's real one, or none."""
    query = case.query
    if isinstance(query, dict) and "cursor" in query and not case.meta.is_negative_at(ParameterLocation.QUERY):
        if real := _CURSORS.get(context.operation.path):
            query["cursor"] = real
        else:
            del query["cursor"]
    return case
