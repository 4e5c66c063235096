"""Adherence over hand-computed logs: every field, the patient's start, DST weeks, constant queries."""

import pytest
from sqlalchemy import event

from bonecare.extensions import db
from tests.factories import log_exercise, log_habits, log_intake
from tests.problems import assert_problem


@pytest.fixture
def week_of_logs(auth, clock):
    """A London patient registered on Friday 2026-03-20 who backdated logs to Monday 03-16."""
    clock.set("2026-03-20T12:00:00Z")
    patient = auth.as_patient(timezone="Europe/London")
    log_intake(patient, "2026-03-16T10:00:00Z", calcium=600)
    log_intake(patient, "2026-03-16T18:00:00Z", calcium=500, vitamin_d=800)
    log_intake(patient, "2026-03-17T09:00:00Z", calcium=2100)
    log_intake(patient, "2026-03-19T09:00:00Z", vitamin_d=4500)
    log_intake(patient, "2026-03-20T08:00:00Z", calcium=1000, vitamin_d=1000)
    log_habits(patient, "2026-03-17", cigarettes=3, drinks=4)
    log_habits(patient, "2026-03-18", drinks=5)
    return patient


def test_window_before_the_start_counts_from_the_first_log(week_of_logs):
    body = week_of_logs.get("/api/v1/patients/me/adherence?from=2026-03-01&to=2026-03-31").json
    assert (body["from"], body["to"], body["start"], body["days"]) == ("2026-03-01", "2026-03-31", "2026-03-16", 5)
    assert body["calcium"] == {
        "days": 5,
        "days_met": 3,
        "pct": 60.0,
        "mean_mg_per_day": 840.0,
        "days_over_upper_limit": 1,
    }
    assert body["vitamin_d"] == {
        "days": 5,
        "days_met": 3,
        "pct": 60.0,
        "mean_iu_per_day": 1260.0,
        "days_over_upper_limit": 1,
    }
    assert body["alcohol"] == {"drinks_per_week_mean": 12.6, "weeks_over_limit": 1, "limit_per_week": 7.0}
    assert body["smoking"] == {"days_smoked": 1, "cigarettes_total": 3}
    assert body["logging"] == {
        "days_with_any_log": 5,
        "current_streak_days": 5,
        "last_logged_at": "2026-03-20T12:00:00Z",
    }
    (week,) = body["exercise"]["weeks"]
    assert (week["week_start"], week["complete"], week["met"]) == ("2026-03-16", False, None)
    assert body["exercise"]["weeks_met_pct"] is None


def test_default_window_is_the_thirty_days_ending_today(week_of_logs):
    body = week_of_logs.get("/api/v1/patients/me/adherence").json
    assert (body["from"], body["to"], body["days"]) == ("2026-02-19", "2026-03-20", 5)
    assert body["calcium"]["days_met"] == 3


def test_part_of_the_window_inside_the_logs(week_of_logs):
    body = week_of_logs.get("/api/v1/patients/me/adherence?from=2026-03-17&to=2026-03-18").json
    assert body["days"] == 2
    assert body["calcium"] == {
        "days": 2,
        "days_met": 1,
        "pct": 50.0,
        "mean_mg_per_day": 1050.0,
        "days_over_upper_limit": 1,
    }
    assert body["vitamin_d"]["pct"] == 0.0
    assert body["logging"]["days_with_any_log"] == 2
    # the streak and the last log do not depend on the window
    assert body["logging"]["current_streak_days"] == 5


def test_a_window_with_no_countable_day_gives_null(week_of_logs):
    body = week_of_logs.get("/api/v1/patients/me/adherence?from=2026-01-01&to=2026-01-31").json
    assert body["days"] == 0
    assert body["calcium"]["pct"] is None and body["calcium"]["mean_mg_per_day"] is None
    assert body["vitamin_d"]["pct"] is None
    assert body["alcohol"]["drinks_per_week_mean"] is None
    assert body["exercise"] == {"weeks": [], "weeks_counted": 0, "weeks_met": 0, "weeks_met_pct": None}
    future = week_of_logs.get("/api/v1/patients/me/adherence?from=2026-04-01&to=2026-04-30").json
    assert future["days"] == 0 and future["calcium"]["pct"] is None


def test_days_after_today_are_not_counted(week_of_logs):
    body = week_of_logs.get("/api/v1/patients/me/adherence?from=2026-03-19").json
    assert body["days"] == 2 and body["calcium"]["days_met"] == 1


def test_percentages_round_half_up_to_one_decimal(auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    log_intake(patient, "2026-03-08T08:00:00Z", calcium=1000)
    # 1 of 8 days: 12.5; 1 of 3 days: 33.3
    assert patient.get("/api/v1/patients/me/adherence?from=2026-03-01").json["calcium"]["pct"] == 100.0
    clock.set("2026-03-10T12:00:00Z")
    assert patient.get("/api/v1/patients/me/adherence").json["calcium"]["pct"] == 33.3


def test_iso_weeks_are_local_across_the_dst_change(auth, clock):
    """New York moves to EDT on Sunday 2026-03-08; weeks follow local days, not UTC ones."""
    clock.set("2026-03-18T16:00:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    log_exercise(patient, "2026-03-01T23:30:00-05:00", "resistance", 30)  # Sunday 03-01 local, Monday in UTC
    for day in ("03", "05"):
        log_exercise(patient, f"2026-03-{day}T10:00:00-05:00", "resistance", 30)
        log_exercise(patient, f"2026-03-{day}T11:00:00-05:00", "balance", 20)
        log_exercise(patient, f"2026-03-{day}T12:00:00-05:00", "flexibility", 10)
    log_exercise(patient, "2026-03-04T10:00:00-05:00", "endurance", 100)
    log_exercise(patient, "2026-03-08T23:30:00-04:00", "endurance", 50)  # Sunday local, Monday 03:30 in UTC
    log_exercise(patient, "2026-03-09T00:30:00-04:00", "resistance", 30)  # Monday local

    body = patient.get("/api/v1/patients/me/adherence?from=2026-03-02&to=2026-03-15").json
    assert body["start"] == "2026-03-01"
    first, second = body["exercise"]["weeks"]
    assert (first["week_start"], first["complete"], first["met"]) == ("2026-03-02", True, True)
    assert first["minutes"] == {"balance": 40, "flexibility": 20, "endurance": 150, "resistance": 60}
    assert first["sessions"] == {"balance": 2, "flexibility": 2, "endurance": 2, "resistance": 2}
    assert (second["week_start"], second["complete"], second["met"]) == ("2026-03-09", True, False)
    assert second["sessions"]["resistance"] == 1 and second["minutes"]["endurance"] == 0
    assert second["kinds_met"] == {"balance": False, "flexibility": False, "endurance": False, "resistance": False}
    assert body["exercise"]["weeks_met_pct"] == 50.0
    assert body["calcium"] == {
        "days": 14,
        "days_met": 0,
        "pct": 0.0,
        "mean_mg_per_day": 0.0,
        "days_over_upper_limit": 0,
    }


def test_exercise_is_judged_against_the_care_plan(auth, clock):
    clock.set("2026-03-18T16:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    clinician = auth.as_clinician(patient=patient)
    plan = patient.get("/api/v1/patients/me/care-plan").json
    body = {
        k: plan[k]
        for k in (
            "calcium_mg_min",
            "calcium_mg_max",
            "vitamin_d_iu_min",
            "vitamin_d_iu_max",
            "alcohol_drinks_per_week_max",
        )
    }
    body["exercise_weekly"] = {k: {"sessions": 0} for k in ("balance", "flexibility", "endurance")}
    body["exercise_weekly"]["resistance"] = {"sessions": 1}
    assert clinician.put(f"/api/v1/patients/{patient.id}/care-plan", json=body).status_code == 200
    log_exercise(patient, "2026-03-09T10:00:00Z", "resistance", 30)
    log_exercise(patient, "2026-03-02T10:00:00Z", "balance", 30)
    result = patient.get("/api/v1/patients/me/adherence?from=2026-03-02&to=2026-03-15").json["exercise"]
    assert [w["met"] for w in result["weeks"]] == [False, True]


def test_the_streak_survives_until_today_ends(auth, clock):
    clock.set("2026-03-10T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    for day in ("05", "07", "08", "09"):
        log_intake(patient, f"2026-03-{day}T08:00:00Z", calcium=100)
    assert patient.get("/api/v1/patients/me/adherence").json["logging"]["current_streak_days"] == 3
    clock.set("2026-03-11T12:00:00Z")
    assert patient.get("/api/v1/patients/me/adherence").json["logging"]["current_streak_days"] == 0


def test_deleted_entries_do_not_count(auth, clock):
    clock.set("2026-03-10T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    entry = patient.post(
        "/api/v1/patients/me/intake", json={"taken_at": "2026-03-10T08:00:00Z", "calcium_mg": 1200, "source": "diet"}
    ).json
    assert patient.delete(f"/api/v1/patients/me/intake/{entry['id']}").status_code == 204
    body = patient.get("/api/v1/patients/me/adherence").json
    assert body["calcium"]["days_met"] == 0 and body["logging"]["days_with_any_log"] == 0


def test_clinicians_on_the_care_team_read_it_and_others_get_404(auth, week_of_logs):
    clinician = auth.as_clinician(patient=week_of_logs)
    assert clinician.get(f"/api/v1/patients/{week_of_logs.id}/adherence").json["calcium"]["days_met"] == 3
    assert_problem(auth.as_clinician().get(f"/api/v1/patients/{week_of_logs.id}/adherence"), 404, "not-found")
    assert_problem(auth.as_patient().get(f"/api/v1/patients/{week_of_logs.id}/adherence"), 404, "not-found")
    assert_problem(auth.anonymous().get("/api/v1/patients/me/adherence"), 401, "token-missing")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-10&to=2026-03-01", "from"),
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("from=1990-01-01&to=2026-03-01", "from"),
        ("window=30", "window"),
    ],
)
def test_bad_windows_are_422(week_of_logs, query, field):
    assert_problem(week_of_logs.get(f"/api/v1/patients/me/adherence?{query}"), 422, "validation-error", field)


def test_statement_count_does_not_grow_with_the_window(app, week_of_logs):
    def count(url):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert week_of_logs.get(url).status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    short = count("/api/v1/patients/me/adherence?from=2026-03-19&to=2026-03-20")
    long = count("/api/v1/patients/me/adherence?from=2025-03-21&to=2026-03-20")
    assert short == long
