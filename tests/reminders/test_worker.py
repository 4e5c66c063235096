"""The worker: catch-up after downtime, done-means-quiet, quiet hours, re-planning, DXA, claims and leases."""

import json
import os
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bonecare.dxa.models import DxaAppointment
from bonecare.extensions import db
from bonecare.reminders import dispatch, queue, worker
from bonecare.reminders.models import Occurrence, Reminder
from tests.reminders.conftest import at


def _rule(patient, **fields):
    body = {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False, **fields}
    response = patient.post("/api/v1/patients/me/reminders", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_downtime_inside_the_grace_window_sends_once_marked_late(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    tick("2026-03-10T06:00:00Z")
    summary = tick("2026-03-10T09:30:00Z")  # down from 06:00 to 09:30: 1 h 30 late, grace 2 h
    assert summary["sent"] == 1 and summary["late"] == 1
    assert tick("2026-03-10T09:31:00Z")["sent"] == 0
    [sent] = occurrences(status="sent")
    assert sent.late is True and sent.sent_at == at("2026-03-10T09:30:00Z")
    assert len(recorder.sent) == 1


def test_downtime_beyond_the_grace_window_expires_and_never_bursts(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    tick("2026-03-10T06:00:00Z")  # plans the 10th, 11th and 12th
    summary = tick("2026-03-12T10:30:00Z")  # down two days and a half
    assert summary["sent"] == 0 and summary["expired"] == 3
    assert recorder.sent == []
    assert [o.status for o in occurrences()][:3] == ["expired"] * 3
    clock.set("2026-03-12T10:30:00Z")
    history = patient.get("/api/v1/patients/me/notifications?status=expired").json["items"]
    assert len(history) == 3


def test_after_a_long_outage_only_the_latest_missed_run_is_sent(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    tick("2026-03-10T06:00:00Z")
    summary = tick("2026-03-12T09:00:00Z")  # the 12th's run is 1 h late; the 10th and 11th long gone
    assert (summary["sent"], summary["expired"]) == (1, 2)
    assert [m.key[-10:] for m in recorder.sent] == ["2026-03-12"]


def test_supplement_reminder_is_skipped_when_calcium_and_vitamin_d_are_met(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T07:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient, skip_if_done=True)
    intake = {"taken_at": "2026-03-10T06:30:00Z", "source": "supplement", "calcium_mg": 1200, "vitamin_d_iu": 400}
    assert patient.post("/api/v1/patients/me/intake", json=intake).status_code == 201
    assert tick("2026-03-10T08:00:00Z")["sent"] == 1  # vitamin D not met yet: still reminded
    assert (
        patient.post("/api/v1/patients/me/intake", json={**intake, "calcium_mg": 0, "vitamin_d_iu": 400}).status_code
        == 201
    )
    summary = tick("2026-03-11T08:00:00Z")
    assert summary["sent"] == 1  # the next day starts from zero
    clock.set("2026-03-12T07:00:00Z")
    patient.post("/api/v1/patients/me/intake", json={**intake, "taken_at": "2026-03-12T06:00:00Z", "vitamin_d_iu": 800})
    assert tick("2026-03-12T08:00:00Z")["skipped"] == 1
    assert occurrences(status="skipped")[0].last_error == "already done today"


def test_exercise_reminder_is_skipped_once_a_session_is_logged(auth, clock, recorder, tick):
    clock.set("2026-03-10T07:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient, kind="exercise", time_of_day="18:00", skip_if_done=True)
    session = {"started_at": "2026-03-10T06:00:00Z", "duration_min": 20, "kind": "balance"}
    assert patient.post("/api/v1/patients/me/exercise", json=session).status_code == 201
    assert tick("2026-03-10T18:00:00Z")["skipped"] == 1
    assert tick("2026-03-11T18:00:00Z")["sent"] == 1


def test_skip_if_done_off_always_reminds(auth, clock, recorder, tick):
    clock.set("2026-03-10T07:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient, kind="exercise", time_of_day="18:00", skip_if_done=False)
    patient.post(
        "/api/v1/patients/me/exercise",
        json={"started_at": "2026-03-10T06:00:00Z", "duration_min": 20, "kind": "balance"},
    )
    assert tick("2026-03-10T18:00:00Z")["sent"] == 1


def test_quiet_hours_are_kept_in_the_patients_zone(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T01:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    assert (
        patient.patch("/api/v1/patients/me", json={"quiet_hours": {"start": "22:00", "end": "07:00"}}).status_code
        == 200
    )
    _rule(patient, time_of_day="23:00", kind="custom")
    _rule(patient, time_of_day="21:00", kind="custom")
    assert tick("2026-03-11T01:00:00Z")["sent"] == 1  # 21:00 EDT on the 10th
    summary = tick("2026-03-11T03:00:00Z")  # 23:00 EDT
    assert summary["skipped"] == 1
    assert [o.last_error for o in occurrences(status="skipped")] == ["quiet hours"]
    assert len(occurrences(status="sent")) == 1


def test_a_time_zone_change_re_plans_only_future_pending_occurrences(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T10:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    _rule(patient)  # 08:00 New York = 12:00Z
    tick("2026-03-10T12:00:00Z")
    before = {o.key: o for o in occurrences()}
    clock.set("2026-03-10T15:00:00Z")
    assert patient.patch("/api/v1/patients/me", json={"timezone": "Europe/London"}).status_code == 200
    tick("2026-03-10T15:00:00Z")
    after = {o.key: o for o in occurrences()}
    sent_key = next(k for k, o in before.items() if o.status == "sent")
    assert after[sent_key].due_at == before[sent_key].due_at == at("2026-03-10T12:00:00Z")  # history stays
    assert after[sent_key].status == "sent"
    future = sorted(o.due_at for k, o in after.items() if o.status == "pending")
    assert future[:2] == [at("2026-03-11T08:00:00Z"), at("2026-03-12T08:00:00Z")]  # 08:00 London (GMT)
    assert len(after) == len(before)  # one per local day: moved, not doubled
    assert tick("2026-03-11T08:00:00Z")["sent"] == 1


def _appointment(session, patient_id, day: date, now):
    appointment = DxaAppointment(patient_id=uuid.UUID(patient_id), scheduled_for=day, created_at=now, updated_at=now)
    session.add(appointment)
    session.commit()
    return appointment.id


def test_dxa_appointment_reminders_seven_days_and_one_day_before_at_nine(
    auth, clock, recorder, tick, occurrences, session
):
    clock.set("2026-03-01T12:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    appointment_id = _appointment(session, patient.id, date(2026, 3, 20), at("2026-03-01T12:00:00Z"))
    tick("2026-03-01T12:00:00Z")
    planned = {o.key: o.due_at for o in occurrences(status="pending")}
    assert planned == {
        f"dxa:{appointment_id}:7d": at("2026-03-13T13:00:00Z"),  # 09:00 EDT
        f"dxa:{appointment_id}:1d": at("2026-03-19T13:00:00Z"),
    }

    appointment = session.get(DxaAppointment, appointment_id)
    appointment.scheduled_for = date(2026, 3, 9)  # moved earlier, across the clock change
    session.commit()
    tick("2026-03-02T12:00:00Z")
    planned = {o.key: o.due_at for o in occurrences(status="pending")}
    assert planned == {
        f"dxa:{appointment_id}:7d": at("2026-03-02T14:00:00Z"),  # 09:00 EST
        f"dxa:{appointment_id}:1d": at("2026-03-08T13:00:00Z"),
    }  # 09:00 EDT
    assert tick("2026-03-02T14:00:00Z")["sent"] == 1
    assert recorder.sent[0].title == "Upcoming appointment"
    assert "dxa" not in json.dumps(recorder.sent[0].payload()).lower()  # the collapse key is hashed

    appointment = session.get(DxaAppointment, appointment_id)
    appointment.deleted_at = at("2026-03-03T12:00:00Z")
    session.commit()
    tick("2026-03-03T12:00:00Z")
    assert [o.key for o in occurrences(status="cancelled")] == [f"dxa:{appointment_id}:1d"]
    assert tick("2026-03-08T13:00:00Z")["sent"] == 0


def test_dxa_appointment_moved_so_that_a_reminder_would_be_in_the_past_cancels_it(
    auth, clock, recorder, tick, occurrences, session
):
    clock.set("2026-03-01T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    appointment_id = _appointment(session, patient.id, date(2026, 3, 20), at("2026-03-01T12:00:00Z"))
    tick("2026-03-01T12:00:00Z")
    session.get(DxaAppointment, appointment_id).scheduled_for = date(2026, 3, 5)
    session.commit()
    tick("2026-03-01T13:00:00Z")
    statuses = {o.key.rsplit(":", 1)[1]: o.status for o in occurrences()}
    assert statuses == {"7d": "cancelled", "1d": "pending"}


def test_payloads_carry_generic_words_by_default(auth, clock, recorder, tick):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    _rule(patient, kind="exercise", time_of_day="08:05")
    tick("2026-03-10T08:10:00Z")
    assert len(recorder.sent) == 2
    for message in recorder.sent:
        payload = message.payload()
        assert set(payload) == {"title", "body", "tag", "url", "occurrence_id", "kind", "actions"}
        assert payload["tag"] == message.topic  # an opaque hash, not the key
        assert [a["action"] for a in payload["actions"]] == ["done", "snooze"]
        titles = " ".join(a["title"] for a in payload["actions"])
        words = f"{payload['title']} {payload['body']} {payload['url']} {titles}".lower()
        for detail in ("exemestane", "calcium", "vitamin", "mg", "iu", "dose", "t-score", "dxa", "supplement"):
            assert detail not in words, detail


def test_claims_never_overlap_and_expired_leases_return(auth, clock, app, recorder, tick):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    for minute in range(5):
        _rule(patient, time_of_day=f"08:0{minute}")
    with app.app_context():
        engine = db.engine
        now = at("2026-03-10T09:00:00Z")
        first = queue.claim(engine, now, "a", limit=3)
        second = queue.claim(engine, now, "b", limit=3)
        assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
        assert queue.claim(engine, now, "c") == []
    assert worker.run_recover(app, now + timedelta(minutes=1)) == 0
    assert worker.run_recover(app, now + queue.LEASE + timedelta(seconds=1)) == 5
    with app.app_context():
        assert len(queue.claim(db.engine, now + queue.LEASE, "c")) == 5


def test_finished_occurrences_are_pruned_after_ninety_days(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    tick("2026-03-10T08:00:00Z")
    assert tick("2026-06-09T00:00:00Z")["pruned"] == 1
    assert all(o.due_at > at("2026-03-10T08:00:00Z") for o in occurrences())


def test_today_shows_the_next_pending_reminder(auth, clock, recorder, tick):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient, time_of_day="09:00")
    clock.set("2026-03-10T09:30:00Z")
    tick("2026-03-10T09:30:00Z")
    today = patient.get("/api/v1/patients/me/today").json
    assert (
        today["next_reminder"]["scheduled_for"] if isinstance(today["next_reminder"], dict) else today["next_reminder"]
    )


def test_tick_and_vapid_keys_commands(app, auth, clock):
    from base64 import urlsafe_b64decode

    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "tick", "--now", "2026-03-10T08:00:30Z"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["sent"] == 1 and {"skipped", "failed", "expired"} <= set(summary)
    assert runner.invoke(args=["reminders", "tick", "--now", "2026-03-10T08:00:30"]).exit_code == 2
    keys = json.loads(runner.invoke(args=["reminders", "vapid-keys"]).output)
    assert len(urlsafe_b64decode(keys["private_key"] + "=")) == 32
    public = urlsafe_b64decode(keys["public_key"] + "=")
    assert len(public) == 65 and public[0] == 4


def test_the_scheduler_has_explicit_job_defaults_and_the_six_jobs(app):
    scheduler = worker.scheduler_for(app)
    assert {j.id for j in scheduler.get_jobs()} == {
        "reminders-plan",
        "reminders-dispatch",
        "reminders-recover",
        "reminders-prune",
        "reminders-mail",
        "reminders-panel",
    }
    assert scheduler._job_defaults == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


def test_occurrence_keys_are_unique(app, auth, clock, tick, recorder, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    _rule(patient)
    for _ in range(3):
        tick("2026-03-10T06:00:00Z")
    keys = [o.key for o in occurrences()]
    assert len(keys) == len(set(keys)) == 3
    assert all(k.startswith("reminder:") for k in keys)
    with app.app_context():
        assert db.session.query(Occurrence).count() == 3


def test_a_rule_deleted_while_its_reminder_is_overdue_is_not_sent(auth, clock, recorder, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    rule = _rule(patient)
    tick("2026-03-10T06:00:00Z")
    clock.set("2026-03-10T08:30:00Z")  # due half an hour ago; the worker has not come round yet
    assert patient.delete(f"/api/v1/patients/me/reminders/{rule['id']}").status_code == 204
    assert tick("2026-03-10T08:31:00Z")["sent"] == 0
    assert recorder.sent == []
    assert {o.status for o in occurrences()} == {"cancelled"}


def test_an_appointment_cancelled_after_planning_is_not_reminded(
    app, auth, clock, recorder, occurrences, session, tick
):
    clock.set("2026-03-01T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    appointment_id = _appointment(session, patient.id, date(2026, 3, 10), at("2026-03-01T12:00:00Z"))
    tick("2026-03-01T12:00:00Z")
    session.get(DxaAppointment, appointment_id).deleted_at = at("2026-03-03T08:00:00Z")
    session.commit()
    counts = dispatch.dispatch_batch(session, recorder, at("2026-03-03T09:00:00Z"), "w")  # before any re-plan
    assert counts["cancelled"] == 1 and recorder.sent == []


def test_the_inline_worker_starts_only_when_asked(database_url):
    from bonecare import create_app

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x" * 40, "JWT_SECRET_KEY": "x" * 40}
    assert "bonecare.scheduler" not in create_app(config).extensions
    app = create_app({**config, "BONECARE_INLINE_WORKER": True})
    scheduler = app.extensions["bonecare.scheduler"]
    try:
        assert scheduler.running and len(scheduler.get_jobs()) == 6
    finally:
        scheduler.shutdown(wait=True)


def test_a_time_zone_change_just_before_a_reminder_moves_it_even_before_the_planner_runs(
    auth, clock, recorder, occurrences, session, tick
):
    clock.set("2026-03-10T10:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    _rule(patient)  # 08:00 New York = 12:00Z
    tick("2026-03-10T10:00:00Z")
    clock.set("2026-03-10T11:59:00Z")
    assert patient.patch("/api/v1/patients/me", json={"timezone": "America/Los_Angeles"}).status_code == 200
    counts = dispatch.dispatch_batch(session, recorder, at("2026-03-10T12:00:00Z"), "w")  # no planning pass
    assert counts["sent"] == 0 and recorder.sent == []
    moved = [o for o in occurrences() if o.local_date == date(2026, 3, 10)][0]
    assert (moved.status, moved.due_at) == ("pending", at("2026-03-10T15:00:00Z"))  # 08:00 PDT
    assert tick("2026-03-10T15:00:00Z")["sent"] == 1 and len(recorder.sent) == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("BONECARE_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_one_worker_at_a_time_refreshes_the_panel(app, auth):
    """While another worker holds the panel job's turn, this one recomputes nothing; once it ends, it does."""
    auth.as_patient()  # a patient whose panel row is due
    with app.app_context(), db.engine.connect() as other:
        assert other.scalar(select(func.pg_try_advisory_xact_lock(worker.PANEL_LOCK)))
        assert worker.run_panel(app) == 0
        other.rollback()
    assert worker.run_panel(app) == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("BONECARE_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_one_worker_at_a_time_plans(app, auth):
    """While another worker holds the plan job's turn, this one's pass reads no rule; once it ends, it plans."""
    _rule(auth.as_patient())
    with app.app_context():
        db.session.execute(Reminder.__table__.update().values(replan_at=None))  # due for the next pass
        db.session.commit()
        with db.engine.connect() as other:
            assert other.scalar(select(func.pg_try_advisory_xact_lock(worker.PLAN_LOCK)))
            assert worker.run_plan(app) == {}
            other.rollback()
    assert worker.run_plan(app)["rules"] == 1
