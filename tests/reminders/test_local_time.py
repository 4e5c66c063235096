"""Reminders fire at the patient's wall-clock time by RFC 5545, once per local day, whatever the offset does."""

from collections import Counter

from bonecare.reminders.schedule import in_quiet_hours
from tests.reminders.conftest import at


def _run(clock, tick, start: str, hours: int):
    """Tick every 30 minutes for `hours` hours from `start`."""
    from datetime import timedelta

    now = at(start)
    for _ in range(hours * 2):
        clock.set(now)
        tick(now.isoformat())
        now += timedelta(minutes=30)


def _sent(occurrences):
    return [(o.local_date.isoformat(), o.due_at.isoformat()) for o in occurrences(status="sent")]


def test_new_york_spring_forward_daily_8am_keeps_the_wall_clock(
    auth, clock, make_reminder, recorder, tick, occurrences
):
    clock.set("2026-03-06T00:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    make_reminder(patient, time_of_day="08:00", skip_if_done=False)
    _run(clock, tick, "2026-03-06T00:00:00Z", 96)
    assert _sent(occurrences) == [
        ("2026-03-06", "2026-03-06T13:00:00+00:00"),
        ("2026-03-07", "2026-03-07T13:00:00+00:00"),
        ("2026-03-08", "2026-03-08T12:00:00+00:00"),  # EDT from 02:00 that morning
        ("2026-03-09", "2026-03-09T12:00:00+00:00"),
    ]
    assert len(recorder.sent) == 4


def test_new_york_spring_forward_a_time_in_the_gap_moves_forward_by_the_gap(
    auth, clock, make_reminder, recorder, tick, occurrences
):
    clock.set("2026-03-07T00:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    make_reminder(patient, time_of_day="02:30", skip_if_done=False)
    _run(clock, tick, "2026-03-07T00:00:00Z", 72)
    assert _sent(occurrences) == [
        ("2026-03-07", "2026-03-07T07:30:00+00:00"),
        ("2026-03-08", "2026-03-08T07:30:00+00:00"),  # 02:30 does not exist: 03:30 EDT
        ("2026-03-09", "2026-03-09T06:30:00+00:00"),
    ]


def test_new_york_fall_back_an_ambiguous_time_fires_once_at_its_first_occurrence(
    auth, clock, make_reminder, recorder, tick, occurrences
):
    clock.set("2026-10-31T00:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    make_reminder(patient, time_of_day="01:30", skip_if_done=False)
    make_reminder(patient, time_of_day="08:00", skip_if_done=False)
    _run(clock, tick, "2026-10-31T00:00:00Z", 72)
    assert _sent(occurrences) == [
        ("2026-10-31", "2026-10-31T05:30:00+00:00"),
        ("2026-10-31", "2026-10-31T12:00:00+00:00"),
        ("2026-11-01", "2026-11-01T05:30:00+00:00"),  # 01:30 EDT, not again at 01:30 EST
        ("2026-11-01", "2026-11-01T13:00:00+00:00"),  # EST from 02:00 that morning
        ("2026-11-02", "2026-11-02T06:30:00+00:00"),
        ("2026-11-02", "2026-11-02T13:00:00+00:00"),
    ]
    assert Counter(day for day, _ in _sent(occurrences)) == {"2026-10-31": 2, "2026-11-01": 2, "2026-11-02": 2}


def test_lord_howe_half_hour_shifts_in_both_directions(auth, clock, make_reminder, recorder, tick, occurrences):
    clock.set("2026-04-03T12:00:00Z")
    patient = auth.as_patient(timezone="Australia/Lord_Howe")
    make_reminder(patient, time_of_day="01:45", skip_if_done=False)  # ambiguous on 2026-04-05
    _run(clock, tick, "2026-04-03T12:00:00Z", 60)
    assert _sent(occurrences) == [
        ("2026-04-04", "2026-04-03T14:45:00+00:00"),  # +11:00
        ("2026-04-05", "2026-04-04T14:45:00+00:00"),  # first 01:45, still +11:00
        ("2026-04-06", "2026-04-05T15:15:00+00:00"),  # +10:30
    ]


def test_lord_howe_spring_forward_gap_of_thirty_minutes(auth, clock, make_reminder, recorder, tick, occurrences):
    clock.set("2026-10-02T12:00:00Z")
    patient = auth.as_patient(timezone="Australia/Lord_Howe")
    make_reminder(patient, time_of_day="02:15", skip_if_done=False)  # 02:00–02:30 does not exist on 2026-10-04
    _run(clock, tick, "2026-10-02T12:00:00Z", 60)
    assert _sent(occurrences) == [
        ("2026-10-03", "2026-10-02T15:45:00+00:00"),  # +10:30
        ("2026-10-04", "2026-10-03T15:45:00+00:00"),  # 02:45 +11:00, forward by the 30-minute gap
        ("2026-10-05", "2026-10-04T15:15:00+00:00"),  # +11:00
    ]


def test_quiet_hours_span_midnight_on_the_local_clock():
    assert in_quiet_hours(at("2026-03-09T03:30:00Z"), "America/New_York", "22:00", "07:00")  # 23:30 EDT
    assert not in_quiet_hours(at("2026-03-09T12:00:00Z"), "America/New_York", "22:00", "07:00")
    assert in_quiet_hours(at("2026-03-09T17:00:00Z"), "UTC", "12:00", "18:00")
    assert not in_quiet_hours(at("2026-03-09T17:00:00Z"), "UTC", None, None)
