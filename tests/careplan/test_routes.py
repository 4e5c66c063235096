"""Care plans: guidance defaults, changed only by the patient's clinicians."""

import concurrent.futures

import pytest

from tests.problems import assert_problem

DEFAULTS = {
    "calcium_mg_min": 1000,
    "calcium_mg_max": 1200,
    "vitamin_d_iu_min": 800,
    "vitamin_d_iu_max": 1000,
    "exercise_weekly": {
        "balance": {"sessions": 2},
        "flexibility": {"sessions": 2},
        "endurance": {"minutes": 150},
        "resistance": {"sessions": 2},
    },
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


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({"calcium_mg_max": 2000}, True),
        ({"calcium_mg_max": 2001}, False),
        ({"calcium_mg_max": 2001, "ceiling_reason": "  "}, False),
        ({"calcium_mg_max": 2001, "ceiling_reason": "hypoparathyroidism, endocrinology advice"}, True),
        ({"vitamin_d_iu_max": 4000}, True),
        ({"vitamin_d_iu_max": 4001}, False),
        ({"vitamin_d_iu_min": 5000, "vitamin_d_iu_max": 6000, "ceiling_reason": "repletion for 25-OH D 9 ng/mL"}, True),
    ],
)
def test_a_plan_above_an_upper_limit_needs_a_stated_reason(auth, changes, accepted):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    response = clinician.put(f"/api/v1/patients/{patient.id}/care-plan", {**DEFAULTS, **changes})
    if accepted:
        assert response.status_code == 200, response.json
        assert response.json["ceiling_reason"] == changes.get("ceiling_reason")
    else:
        body = assert_problem(response, 422, "validation-error", "ceiling_reason")
        assert "upper limit" in str(body["errors"]["ceiling_reason"])


def test_the_exemestane_course_is_kept_and_must_run_forwards(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    url = f"/api/v1/patients/{patient.id}/care-plan"
    assert patient.get("/api/v1/patients/me/care-plan").json["exemestane_started_on"] is None
    course = {"exemestane_started_on": "2025-01-10", "exemestane_stopped_on": "2030-01-10"}
    response = clinician.put(url, {**DEFAULTS, **course})
    assert response.status_code == 200 and response.json["is_default"] is True
    assert {k: patient.get("/api/v1/patients/me/care-plan").json[k] for k in course} == course
    backwards = {"exemestane_started_on": "2025-01-10", "exemestane_stopped_on": "2025-01-09"}
    assert_problem(clinician.put(url, {**DEFAULTS, **backwards}), 422, "validation-error", "exemestane_stopped_on")


def test_first_plans_put_at_once_all_land(app, auth):
    """Two clinicians' first PUTs racing (or one retried) both succeed; one plan is stored, the last one's."""
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    url = f"/api/v1/patients/{patient.id}/care-plan"

    def put(minimum):
        body = {**DEFAULTS, "calcium_mg_min": minimum}
        return app.test_client().put(url, json=body, headers=clinician.headers).status_code

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(put, range(1000, 1006)))
    assert statuses == [200] * 6
    assert patient.get("/api/v1/patients/me/care-plan").json["calcium_mg_min"] in range(1000, 1006)
