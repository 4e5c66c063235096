"""Reminders fixtures: a recording push back-end and helpers to make rules and run the worker."""

from datetime import UTC, datetime

import pytest

from bonecare.extensions import db
from bonecare.reminders import worker
from bonecare.reminders.models import Occurrence
from bonecare.reminders.push.base import OK, Backend


class Recorder(Backend):
    """A device-less back-end that remembers what it was asked to send."""

    name = "recorder"

    def __init__(self):
        self.sent = []

    def send(self, device, message):
        self.sent.append(message)
        return OK


@pytest.fixture
def use_backend(app):
    """use_backend(backend): the worker sends through it for this test."""

    def install(backend):
        app.extensions["bonecare.push"] = backend
        return backend

    yield install
    app.extensions.pop("bonecare.push", None)


@pytest.fixture
def recorder(use_backend):
    return use_backend(Recorder())


def at(iso: str) -> datetime:
    """An ISO instant as an aware UTC datetime."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture
def tick(app):
    """tick("2026-03-08T12:00:00Z"): one worker pass as if the clock read that."""
    return lambda iso: worker.tick(app, at(iso))


@pytest.fixture
def occurrences(app):
    """occurrences(): every stored occurrence, by due instant."""

    def read(**filters):
        with app.app_context():
            rows = db.session.query(Occurrence).filter_by(**filters).order_by(Occurrence.due_at).all()
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def make_reminder(clock):
    """make_reminder(patient, **fields): a rule made through the API (201), as the API shows it."""

    def make(patient, **fields):
        body = {"kind": "supplement", "time_of_day": "08:00", **fields}
        response = patient.post("/api/v1/patients/me/reminders", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make
