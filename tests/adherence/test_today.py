"""Today: the patient's local day and ISO week, against her care plan."""

from tests.problems import assert_problem


def test_today_counts_only_the_local_day(auth, clock):
    clock.set("2026-03-09T03:00:00Z")  # 23:00 on Sunday 8 March in New York (EDT)
    patient = auth.as_patient(timezone="America/New_York")
    log = "/api/v1/patients/me/intake"
    patient.post(
        log, {"taken_at": "2026-03-08T08:00:00-05:00", "calcium_mg": 600, "vitamin_d_iu": 800, "source": "supplement"}
    )
    patient.post(log, {"taken_at": "2026-03-08T20:00:00-04:00", "calcium_mg": 500, "source": "diet"})
    patient.post(log, {"taken_at": "2026-03-07T20:00:00-05:00", "calcium_mg": 900, "source": "diet"})  # Saturday
    deleted = patient.post(log, {"taken_at": "2026-03-08T21:00:00-04:00", "calcium_mg": 999, "source": "diet"}).json
    patient.delete(f"{log}/{deleted['id']}")
    ex = "/api/v1/patients/me/exercise"
    patient.post(ex, {"started_at": "2026-03-02T09:00:00-05:00", "duration_min": 40, "kind": "endurance"})  # Monday
    patient.post(ex, {"started_at": "2026-03-08T09:00:00-04:00", "duration_min": 20, "kind": "endurance"})
    patient.post(ex, {"started_at": "2026-03-01T09:00:00-05:00", "duration_min": 99, "kind": "endurance"})  # last week
    today = patient.get("/api/v1/patients/me/today").json
    assert today["date"] == "2026-03-08"
    assert today["calcium"] == {"total_mg": 1100, "target_min": 1000, "target_max": 1200, "met": True}
    assert today["vitamin_d"] == {"total_iu": 800, "target_min": 800, "target_max": 1000, "met": True}
    assert today["exercise_week"] == {"balance": 0, "flexibility": 0, "endurance": 60, "resistance": 0}
    assert today["next_dxa_appointment"] is None


def test_today_with_nothing_logged_is_not_met(auth):
    today = auth.as_patient().get("/api/v1/patients/me/today").json
    assert today["calcium"]["total_mg"] == 0 and today["calcium"]["met"] is False


def test_today_access(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    assert clinician.get(f"/api/v1/patients/{patient.id}/today").status_code == 200
    assert_problem(auth.as_clinician().get(f"/api/v1/patients/{patient.id}/today"), 404, "not-found")
    assert_problem(auth.anonymous().get(f"/api/v1/patients/{patient.id}/today"), 401, "token-missing")
