"""The assessment over HTTP: facts gathered from the record, wording per audience, constant queries.
(The rules' boundaries are tested on plain facts in tests/guidance/test_rules.py.)"""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bonecare.accounts.models import User
from bonecare.assessment.service import facts_for
from bonecare.audit.models import AccessLogEntry
from bonecare.extensions import db
from bonecare.guidance.facts import DxaFacts
from tests.counting import count_statements
from tests.problems import assert_problem


@pytest.fixture
def pair(auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient(timezone="Australia/Sydney")
    return patient, auth.as_clinician(patient=patient)


def codes(body):
    return [f["code"] for f in body["flags"]]


def test_a_new_patient_needs_a_baseline(pair):
    patient, _ = pair
    body = patient.get("/api/v1/patients/me/assessment").json
    assert codes(body)[:1] == ["BASELINE_DXA_MISSING"] and "VITAMIN_D_UNKNOWN" in codes(body)
    assert body["next_dxa_due"] is None
    assert all(f["citation"] and f["message"] for f in body["flags"])


def test_wording_follows_the_reader(pair):
    patient, clinician = pair
    mine = patient.get("/api/v1/patients/me/assessment").json["flags"][0]["message"]
    theirs = clinician.get(f"/api/v1/patients/{patient.id}/assessment").json["flags"][0]["message"]
    assert mine != theirs and "DXA" in theirs and "your" in mine.lower()


@pytest.mark.parametrize(
    ("result", "level", "expected", "absent"),
    [
        ({"lumbar_spine_t": -2.5}, 30, {"BONE_AGENT_INDICATED"}, {"NEAR_THRESHOLD"}),
        ({"lumbar_spine_t": -2.4}, 30, {"NEAR_THRESHOLD"}, {"BONE_AGENT_INDICATED"}),
        ({"femoral_neck_t": -4.1}, 30, {"SEVERE_OSTEOPOROSIS", "BONE_AGENT_INDICATED"}, set()),
        ({"total_hip_t": -1.0, "frax_hip_pct": 3}, 30, {"BONE_AGENT_INDICATED"}, set()),
        ({"total_hip_t": -1.0, "vertebral_fractures": 3}, 30, {"SEVERE_OSTEOPOROSIS"}, set()),
        ({"total_hip_t": -1.0}, 19.9, {"VITAMIN_D_DEFICIENT"}, {"VITAMIN_D_UNKNOWN"}),
        ({"lumbar_spine_t": -1.0, "total_hip_t": -1.0}, 20, set(), {"VITAMIN_D_DEFICIENT", "BASELINE_DXA_MISSING"}),
        ({"total_hip_t": -1.0}, 20, {"BASELINE_DXA_MISSING"}, set()),  # a baseline needs the spine too
        (
            {"total_hip_t": -1.0, "vertebral_fractures": 1},
            30,
            {"BONE_AGENT_INDICATED", "BONE_AGENT_NOT_STARTED"},
            set(),
        ),
        ({"total_hip_t": -1.0, "hip_fracture": True}, 30, {"BONE_AGENT_INDICATED"}, set()),
    ],
)
def test_stored_results_and_labs_reach_the_rules(pair, result, level, expected, absent):
    patient, clinician = pair
    clinician.post(f"/api/v1/patients/{patient.id}/dxa/results", json={"performed_on": "2026-01-10", **result})
    clinician.post(
        f"/api/v1/patients/{patient.id}/labs", json={"measured_on": "2026-02-01", "vitamin_d_25oh_ng_ml": level}
    )
    found = set(codes(patient.get("/api/v1/patients/me/assessment").json))
    assert expected <= found and not (absent & found)


def test_severity_of_a_low_level_comes_from_the_latest_lab(pair):
    patient, clinician = pair
    for day, level in (("2026-01-01", 11), ("2026-02-01", 19)):
        clinician.post(f"/api/v1/patients/{patient.id}/labs", json={"measured_on": day, "vitamin_d_25oh_ng_ml": level})
    flags = {f["code"]: f["severity"] for f in patient.get("/api/v1/patients/me/assessment").json["flags"]}
    assert flags["VITAMIN_D_DEFICIENT"] == "warning"


def test_an_overdue_dxa_is_cleared_by_booking_one(pair):
    patient, clinician = pair
    clinician.post(
        f"/api/v1/patients/{patient.id}/dxa/results", json={"performed_on": "2024-01-10", "lumbar_spine_t": -1.0}
    )
    body = patient.get("/api/v1/patients/me/assessment").json
    assert "DXA_OVERDUE" in codes(body) and body["next_dxa_due"] == "2026-01-10"
    appt = clinician.post(f"/api/v1/patients/{patient.id}/dxa/appointments", json={"scheduled_for": "2026-04-01"})
    assert "DXA_OVERDUE" not in codes(patient.get("/api/v1/patients/me/assessment").json)
    clinician.delete(f"/api/v1/patients/{patient.id}/dxa/appointments/{appt.json['id']}")
    assert "DXA_OVERDUE" in codes(patient.get("/api/v1/patients/me/assessment").json)


def test_logs_reach_the_adherence_flags(pair):
    patient, _ = pair
    patient.put("/api/v1/patients/me/habits/2026-03-08", json={"cigarettes": 2, "alcohol_drinks": 8})
    patient.post(
        "/api/v1/patients/me/intake",
        json={"taken_at": "2026-03-08T10:00:00Z", "calcium_mg": 2500, "vitamin_d_iu": 900, "source": "supplement"},
    )
    found = set(codes(patient.get("/api/v1/patients/me/assessment").json))
    assert {"SMOKER", "ALCOHOL_OVER_LIMIT", "EXCESS_CALCIUM"} <= found
    assert not {"LOW_CALCIUM_ADHERENCE", "LOW_VITAMIN_D_ADHERENCE"} & found


def test_facts_for_reads_the_record(app, pair, session):
    patient, clinician = pair
    clinician.post(
        f"/api/v1/patients/{patient.id}/dxa/results",
        json={"performed_on": "2026-01-10", "total_hip_t": -2.1, "frax_major_pct": 9},
    )
    clinician.post(
        f"/api/v1/patients/{patient.id}/labs", json={"measured_on": "2026-02-01", "vitamin_d_25oh_ng_ml": 22}
    )
    user = session.get(User, uuid.UUID(patient.id))
    facts = facts_for(session, user, datetime(2026, 3, 8, 12, tzinfo=UTC))
    assert facts.today.isoformat() == "2026-03-08"  # 23:00 in Sydney
    assert facts.dxa_results == (DxaFacts(datetime(2026, 1, 10).date(), total_hip_t=-2.1, frax_major_pct=9),)
    assert facts.vitamin_d_ng_ml == 22 and facts.calcium_days == 1


def test_statement_count_is_constant(app, pair):
    patient, clinician = pair
    before = count_statements(app, lambda: patient.get("/api/v1/patients/me/assessment"))
    for day in range(1, 8):
        clinician.post(
            f"/api/v1/patients/{patient.id}/dxa/results",
            json={"performed_on": f"2025-0{day}-01", "lumbar_spine_t": -1.0},
        )
        patient.put(f"/api/v1/patients/me/habits/2026-03-0{day}", json={"cigarettes": 0, "alcohol_drinks": 1})
        clinician.post(
            f"/api/v1/patients/{patient.id}/treatments", json={"agent": "denosumab", "started_on": f"2025-0{day}-01"}
        )
    assert count_statements(app, lambda: patient.get("/api/v1/patients/me/assessment")) == before


def test_strangers_get_404(auth, pair):
    patient, _ = pair
    assert_problem(auth.as_clinician().get(f"/api/v1/patients/{patient.id}/assessment"), 404, "not-found")
    assert_problem(auth.as_patient().get("/api/v1/patients/not-a-uuid/assessment"), 404, "not-found")


def test_treatments_the_exemestane_course_and_lab_units_reach_the_rules(pair):
    patient, clinician = pair
    base = f"/api/v1/patients/{patient.id}"
    clinician.post(
        f"{base}/dxa/results", json={"performed_on": "2023-01-10", "lumbar_spine_t": -2.7, "total_hip_t": -1.5}
    )
    clinician.post(
        f"{base}/dxa/results", json={"performed_on": "2025-06-10", "lumbar_spine_t": -2.3, "total_hip_t": -1.4}
    )
    clinician.post(f"{base}/labs", json={"measured_on": "2026-02-01", "value": 40, "unit": "nmol/L"})
    found = {f["code"]: f for f in patient.get("/api/v1/patients/me/assessment").json["flags"]}
    assert found["BONE_AGENT_INDICATED"]["severity"] == "urgent" and "NEAR_THRESHOLD" not in found
    assert "40 nmol/L, which is 16 ng/mL" in found["VITAMIN_D_DEFICIENT"]["message"]
    clinician.post(
        f"{base}/treatments", json={"agent": "denosumab", "started_on": "2023-02-01", "last_dose_on": "2025-12-01"}
    )
    found = {f["code"]: f for f in patient.get("/api/v1/patients/me/assessment").json["flags"]}
    assert found["BONE_AGENT_INDICATED"]["severity"] == "info" and "ON_BONE_AGENT" in found
    assert "BONE_AGENT_NOT_STARTED" not in found and "DENOSUMAB_DOSE_DUE" not in found
    # -2.3 is near threshold: due a year after 2025-06-10; after exemestane stops, only a bone agent keeps it
    plan = clinician.get(f"{base}/care-plan").json
    targets = {
        k: plan[k]
        for k in (
            "calcium_mg_min",
            "calcium_mg_max",
            "vitamin_d_iu_min",
            "vitamin_d_iu_max",
            "exercise_weekly",
            "alcohol_drinks_per_week_max",
        )
    }
    put = clinician.put(
        f"{base}/care-plan",
        json={**targets, "exemestane_started_on": "2021-01-01", "exemestane_stopped_on": "2026-01-01"},
    )
    assert put.status_code == 200 and put.json["exemestane_stopped_on"] == "2026-01-01"
    assert patient.get("/api/v1/patients/me/assessment").json["next_dxa_due"] == "2026-06-10"
    course = clinician.get(f"{base}/treatments").json["items"][0]
    clinician.patch(f"{base}/treatments/{course['id']}", json={"stopped_on": "2026-03-01"})
    body = patient.get("/api/v1/patients/me/assessment").json
    assert body["next_dxa_due"] is None and "DENOSUMAB_STOPPED" in codes(body)


def test_a_clinicians_read_is_logged_and_kept_a_patients_own_is_not(app, pair):
    patient, clinician = pair
    assert patient.get("/api/v1/patients/me/assessment").status_code == 200
    assert clinician.get(f"/api/v1/patients/{patient.id}/assessment").status_code == 200
    with app.app_context():  # a new session: only what was committed
        logged = db.session.execute(
            select(AccessLogEntry.actor_id, AccessLogEntry.action, AccessLogEntry.resource).where(
                AccessLogEntry.patient_id == uuid.UUID(patient.id)
            )
        ).all()
    assert logged == [(uuid.UUID(clinician.id), "read", "assessment")]
