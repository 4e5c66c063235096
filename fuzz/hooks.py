"""schemathesis hooks: path parameters resolve to real records, so that fuzzing reaches the handlers.

The values come from the runner (FUZZ_PATH_VALUES, JSON: {spec path: {param: value}}). `{pid}` is always the
patient's own; any other id is the real one for about half of the generated cases and left as generated for the
rest, so that malformed and unknown ids are fuzzed too.
"""

import json
import os
import zlib

import schemathesis

_VALUES: dict[str, dict[str, str]] = json.loads(os.environ.get("FUZZ_PATH_VALUES", "{}"))


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """Put the world's real ids into the generated path parameters."""
    real = _VALUES.get(context.operation.path, {})
    for name, value in real.items():
        generated = path_parameters.get(name)
        if name == "pid" or zlib.crc32(repr(generated).encode()) % 2 == 0:
            path_parameters[name] = value
    return path_parameters
