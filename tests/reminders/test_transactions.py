"""One use case, one transaction: a rule's change and its re-planned occurrences are committed together, once,
and each of the worker's jobs commits its own pass once."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.reminders.test_routes import subscription


@contextmanager
def commits():
    """Counts the commits of every session while open."""
    seen = []

    def count(session):
        seen.append(session)

    event.listen(Session, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", count)


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    rule = patient.post("/api/v1/patients/me/reminders", json={"kind": "custom", "time_of_day": "08:00"}).json
    device = patient.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "t"}).json
    return patient, rule["id"], device["id"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "reminders", None, 200),
        ("post", "reminders", {"kind": "supplement", "time_of_day": "07:30"}, 201),
        ("patch", "reminders/{rule}", {"time_of_day": "09:00"}, 200),
        ("delete", "reminders/{rule}", None, 204),
        ("post", "devices", {"platform": "webpush", "subscription": subscription()}, 201),
        ("delete", "devices/{device}", None, 204),
        ("get", "notifications", None, 200),
    ],
)
def test_each_reminders_use_case_commits_once(patient, method, path, body, status):
    caller, rule, device = patient
    url = "/api/v1/patients/me/" + path.format(rule=rule, device=device)
    with commits() as seen:
        response = getattr(caller, method)(url, **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.json
    assert len(seen) == 1


def test_a_changed_rule_is_re_planned_in_the_same_request(patient):
    caller, rule, _ = patient
    before = caller.get("/api/v1/patients/me/notifications?status=pending").json["items"]
    assert caller.patch(f"/api/v1/patients/me/reminders/{rule}", json={"time_of_day": "09:00"}).status_code == 200
    after = caller.get("/api/v1/patients/me/notifications?status=pending").json["items"]
    assert before and {n["scheduled_for"][11:16] for n in before} == {"08:00"}
    assert {n["scheduled_for"][11:16] for n in after} == {"09:00"}


def test_each_worker_job_commits_its_pass_once(app, patient):
    from bonecare.reminders import worker

    for job in (worker.run_plan, worker.run_recover, worker.run_prune):
        with commits() as seen:
            job(app)
        assert len(seen) == 1, job.__name__
