"""The periodic planning pass reads only the rules that need it: new ones, those whose horizon moved on a day, those
whose patient's zone changed or whose deletion was cancelled; a quiet pass costs the same for 1 rule or 10."""

import uuid
from datetime import date

from sqlalchemy import event, update

from bonecare.accounts.models import User
from bonecare.extensions import db
from bonecare.reminders import worker
from bonecare.reminders.models import Reminder
from bonecare.reminders.service import silence
from tests.reminders.conftest import at


def _statements(app, call) -> int:
    """How many statements the database received while `call()` ran."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_pass_after_a_quiet_period_reads_no_rule_however_many(app, auth, clock, make_reminder):
    clock.set("2026-03-10T06:00:00Z")
    make_reminder(auth.as_patient(timezone="UTC"))  # planned at once by the API
    quiet = lambda: worker.run_plan(app, at("2026-03-10T06:05:00Z"))  # noqa: E731
    assert quiet()["rules"] == 0
    one = _statements(app, quiet)
    for zone in ("America/New_York", "Asia/Kolkata", "Australia/Adelaide"):
        patient = auth.as_patient(timezone=zone)
        for hour in ("07:00", "08:00", "21:30"):
            make_reminder(patient, time_of_day=hour)
    assert quiet()["rules"] == 0
    assert _statements(app, quiet) == one


def test_a_rule_whose_horizon_moved_on_gets_its_new_day_once(app, auth, clock, make_reminder, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    make_reminder(auth.as_patient(timezone="UTC"))
    assert [o.local_date.day for o in occurrences()] == [10, 11, 12]
    assert worker.run_plan(app, at("2026-03-10T23:55:00Z"))["rules"] == 0  # still the 10th: planned through the 12th
    counts = worker.run_plan(app, at("2026-03-11T12:00:00Z"))  # the 11th, past its minute of the morning
    assert (counts["rules"], counts["created"]) == (1, 1)
    assert [o.local_date.day for o in occurrences()] == [10, 11, 12, 13]
    assert worker.run_plan(app, at("2026-03-11T12:05:00Z"))["rules"] == 0


def test_a_rule_never_planned_is_planned_by_the_next_pass_and_nothing_doubled(
    app, auth, clock, make_reminder, occurrences, session
):
    clock.set("2026-03-10T06:00:00Z")
    rule = make_reminder(auth.as_patient(timezone="UTC"))
    session.execute(update(Reminder).where(Reminder.id == uuid.UUID(rule["id"])).values(replan_at=None))
    session.commit()
    counts = worker.run_plan(app, at("2026-03-10T06:05:00Z"))
    assert (counts["rules"], counts["created"]) == (1, 0)  # read again, nothing doubled
    assert len(occurrences()) == 3


def test_a_time_zone_change_moves_her_pending_future_occurrences_at_the_next_pass(
    app, auth, clock, make_reminder, occurrences
):
    clock.set("2026-03-10T10:00:00Z")
    moving = auth.as_patient(timezone="America/New_York")
    make_reminder(moving)  # 08:00 EDT: 12:00Z
    staying = auth.as_patient(timezone="America/New_York")
    make_reminder(staying)
    assert moving.patch("/api/v1/patients/me", json={"timezone": "Europe/London"}).status_code == 200
    counts = worker.run_plan(app, at("2026-03-10T10:05:00Z"))
    assert counts["rules"] == 1  # hers only
    assert (counts["moved"], counts["cancelled"]) == (2, 1)  # the 10th's 08:00 London has passed
    mine = {o.local_date: o for o in occurrences(patient_id=uuid.UUID(moving.id))}
    assert mine[date(2026, 3, 10)].status == "cancelled"
    assert [mine[date(2026, 3, d)].due_at for d in (11, 12)] == [at("2026-03-11T08:00:00Z"), at("2026-03-12T08:00:00Z")]
    theirs = occurrences(patient_id=uuid.UUID(staying.id))
    assert [o.due_at.hour for o in theirs] == [12, 12, 12] and {o.status for o in theirs} == {"pending"}
    assert worker.run_plan(app, at("2026-03-10T10:10:00Z"))["rules"] == 0


def test_a_cancelled_deletion_has_her_rules_planned_again_at_the_next_pass(
    app, auth, clock, make_reminder, occurrences, session
):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    make_reminder(patient)
    pid = uuid.UUID(patient.id)
    session.get(User, pid).erase_after = at("2026-04-09T06:00:00Z")
    silence(session, pid, at("2026-03-10T06:00:00Z"))  # as her deletion does
    session.commit()
    assert worker.run_plan(app, at("2026-03-10T06:05:00Z"))["rules"] == 0  # nothing planned for her meanwhile
    assert {o.status for o in occurrences()} == {"cancelled"}
    session.execute(update(User).where(User.id == pid).values(erase_after=None))  # as a sign-in cancels it
    session.commit()
    counts = worker.run_plan(app, at("2026-03-10T06:10:00Z"))
    assert (counts["rules"], counts["restored"]) == (1, 3)
    assert {o.status for o in occurrences()} == {"pending"}
