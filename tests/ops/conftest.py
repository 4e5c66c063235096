"""Fixtures of the operations tests: the app's log lines as written, and a reminder due at 08:00 UTC."""

import pytest

from tests.ops.lines import caught


@pytest.fixture
def log_lines():
    """What the app logs during the test, as JSON lines (tests/ops/lines.py)."""
    with caught() as lines:
        yield lines


@pytest.fixture
def due_reminder(auth, clock):
    """A patient in UTC with a supplement reminder at 08:00, planned on 2026-03-10 at 06:00."""
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    body = {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False}
    response = patient.post("/api/v1/patients/me/reminders", json=body)
    assert response.status_code == 201, response.json
    return patient
