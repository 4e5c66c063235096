"""Care plans: guidance defaults, changed only by the patient's clinicians."""

import pytest

from tests.problems import assert_problem

DEFAULTS = {
    "calcium_mg_min": 1000, "calcium_mg_max": 1200, "vitamin_d_iu_min": 800, "vitamin_d_iu_max": 1000,
    "exercise_weekly": {"balance": {"sessions": 2}, "flexibility": {"sessions": 2}, "endurance": {"minutes": 150},
                        "resistance": {"sessions": 2}},
    "alcohol_drinks_per_week_max": 7,
}


def test_defaults_come_from_the_guidance(auth):
    plan = auth.as_patient().get("/api/v1/patients/me/care-plan").json
    assert {k: plan[k] for k in DEFAULTS} == DEFAULTS
    assert plan["is_default"] is True


def test_her_clinician_changes_the_plan_and_today_follows(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    url = f"/api/v1/patients/{patient.id}/care-plan"
    response = clinician.put(url, {**DEFAULTS, "vitamin_d_iu_min": 2000, "vitamin_d_iu_max": 4000})
    assert response.status_code == 200
    assert response.json["is_default"] is False and response.json["updated_at"]
    assert patient.get("/api/v1/patients/me/today").json["vitamin_d"]["target_min"] == 2000


def test_patients_and_strangers_cannot_change_it(auth):
    patient = auth.as_patient()
    assert_problem(patient.put("/api/v1/patients/me/care-plan", DEFAULTS), 403, "forbidden")
    assert_problem(auth.as_clinician().put(f"/api/v1/patients/{patient.id}/care-plan", DEFAULTS), 404, "not-found")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"calcium_mg_min": 1300}, "calcium_mg_min"),  # above the max
        ({"vitamin_d_iu_max": -1}, "vitamin_d_iu_max"),
        ({"exercise_weekly": {"balance": {"sessions": 2}}}, "exercise_weekly.flexibility"),
        ({"exercise_weekly": {**DEFAULTS["exercise_weekly"], "yoga": {"sessions": 1}}}, "exercise_weekly.yoga"),
        ({"exercise_weekly": {**DEFAULTS["exercise_weekly"], "balance": {}}}, "exercise_weekly.balance"),
        ({"alcohol_drinks_per_week_max": "seven"}, "alcohol_drinks_per_week_max"),
    ],
)
def test_validation(auth, changes, field):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    response = clinician.put(f"/api/v1/patients/{patient.id}/care-plan", {**DEFAULTS, **changes})
    assert_problem(response, 422, "validation-error", field)
