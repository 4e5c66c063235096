"""The app's log lines as production writes them (bonecare/ops/logs.py's JSON formatter), caught in memory."""

import io
import json
import logging
from contextlib import contextmanager


class Lines:
    """What the app logged while a block ran."""

    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def parsed(self) -> list[dict]:
        """Every line as its JSON object (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.text.splitlines()]

    def access(self, route: str) -> list[dict]:
        """The access lines of a route's template."""
        return [line for line in self.parsed() if line["logger"] == "bonecare.access" and line["route"] == route]


@contextmanager
def caught(level: int = logging.INFO):
    """The root logger's records at `level` and above, through the JSON formatter, into memory."""
    from bonecare.ops.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield Lines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
