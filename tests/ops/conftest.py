"""Fixtures of the operations tests: the app's log lines as written, and a reminder due at 08:00 UTC."""

import io
import json
import logging

import pytest

from bonecare.ops.logs import JsonFormatter


class Lines:
    """What the app logged while a test ran, formatted as in production."""

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


@pytest.fixture
def log_lines():
    """The root logger's records at INFO and above, through the JSON formatter, into memory."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield Lines(stream)
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def due_reminder(auth, clock):
    """A patient in UTC with a supplement reminder at 08:00, planned on 2026-03-10 at 06:00."""
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    body = {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False}
    response = patient.post("/api/v1/patients/me/reminders", json=body)
    assert response.status_code == 201, response.json
    return patient
