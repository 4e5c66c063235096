"""Recommended topics for patients in different states, through the real API, and who may read them."""

import uuid

import pytest
from sqlalchemy import select

from bonecare.audit.models import AccessLogEntry
from bonecare.extensions import db
from bonecare.guidance.content.recommend import ESSENTIALS
from tests.problems import assert_problem

NOW = "2026-03-08T12:00:00+00:00"
URL = "/api/v1/patients/{pid}/education/recommended"
ME = URL.format(pid="me")


@pytest.fixture
def patient(auth, clock):
    clock.set(NOW)
    return auth.as_patient(timezone="Europe/London")


def _on_track(auth, patient, t_score=-1.0, vitamin_d=32.0):
    """Scanned and tested by her clinician, and today's calcium and vitamin D taken."""
    clinician = auth.as_clinician(patient=patient)
    scans = f"/api/v1/patients/{patient.id}/dxa/results"
    scan = {"performed_on": "2026-02-01", "lumbar_spine_t": t_score, "total_hip_t": -0.5}
    assert clinician.post(scans, scan).status_code == 201
    lab = {"measured_on": "2026-02-01", "vitamin_d_25oh_ng_ml": vitamin_d}
    assert clinician.post(f"/api/v1/patients/{patient.id}/labs", lab).status_code == 201
    response = patient.post(
        "/api/v1/patients/me/intake",
        json={
            "taken_at": "2026-03-08T08:00:00Z",
            "calcium_mg": 1200,
            "vitamin_d_iu": 1000,
            "source": "supplement",
        },
    )
    assert response.status_code == 201, response.json


def _recommended(caller, pid="me"):
    response = caller.get(URL.format(pid=pid))
    assert response.status_code == 200, response.json
    return response.json["items"]


def _first(items):
    return items[0]["slug"], items[0]["reasons"]


def test_no_scan_yet_puts_the_baseline_assessment_first(patient):
    items = _recommended(patient)
    slug, reasons = _first(items)
    assert slug == "baseline-assessment"
    assert "BASELINE_DXA_MISSING" in reasons
    assert set(items[0]) == {"slug", "title", "audience", "last_reviewed", "tags", "reasons"}
    assert items[0]["audience"] == "patient"
    assert "pitfalls-to-avoid" not in {i["slug"] for i in items}


def test_osteoporosis_points_to_bone_protecting_medicines(auth, patient):
    _on_track(auth, patient, t_score=-2.5)
    items = _recommended(patient)
    assert _first(items) == ("bone-protecting-medicines", ["BONE_AGENT_INDICATED", "BONE_AGENT_NOT_STARTED"])
    assert "when-bones-are-very-fragile" not in {i["slug"] for i in items}


def test_very_fragile_bones_come_first_below_minus_four(auth, patient):
    _on_track(auth, patient, t_score=-4.1)
    slugs = [i["slug"] for i in _recommended(patient)]
    assert slugs[:2] == ["when-bones-are-very-fragile", "bone-protecting-medicines"]


def test_low_vitamin_d_points_to_calcium_and_vitamin_d(auth, patient):
    _on_track(auth, patient, vitamin_d=14.0)
    assert _first(_recommended(patient)) == ("calcium-and-vitamin-d", ["VITAMIN_D_DEFICIENT"])


@pytest.mark.parametrize("how", ["profile", "log"])
def test_a_smoker_is_pointed_to_smoking_and_alcohol(auth, patient, how):
    _on_track(auth, patient)
    if how == "profile":
        assert patient.patch("/api/v1/patients/me", json={"smoking_status": "current"}).status_code == 200
    else:
        day = {"cigarettes": 4, "alcohol_drinks": 0}
        assert patient.put("/api/v1/patients/me/habits/2026-03-07", json=day).status_code == 201
    assert _first(_recommended(patient)) == ("smoking-and-alcohol", ["SMOKER"])


def test_a_fully_adherent_patient_gets_the_essentials(auth, patient):
    _on_track(auth, patient)
    items = _recommended(patient)
    assert [i["slug"] for i in items] == list(ESSENTIALS)
    assert all(i["reasons"] == ["ESSENTIAL"] for i in items)


def test_recommendations_are_paginated(patient):
    everything = [i["slug"] for i in _recommended(patient)]
    first = patient.get(f"{ME}?limit=2").json
    assert [i["slug"] for i in first["items"]] == everything[:2]
    rest = patient.get(f"{ME}?limit=200&cursor={first['next_cursor']}").json
    assert [i["slug"] for i in rest["items"]] == everything[2:]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("audience=clinician", "audience"), ("cursor=zz", "cursor")]
)
def test_bad_queries_are_422(patient, query, field):
    assert_problem(patient.get(f"{ME}?{query}"), 422, "validation-error", field)


def test_her_clinician_reads_clinician_wording_and_the_read_is_logged(app, auth, patient):
    clinician = auth.as_clinician(patient=patient)
    items = _recommended(clinician, patient.id)
    assert {i["audience"] for i in items} == {"clinician"}
    assert items[0]["slug"] == "baseline-assessment"
    assert "pitfalls-to-avoid" in {i["slug"] for i in items}
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.resource).where(
                AccessLogEntry.patient_id == uuid.UUID(patient.id),
                AccessLogEntry.actor_id == uuid.UUID(clinician.id),
            )
        ).all()
    assert logged == ["education"]


def test_access_matrix(auth, patient):
    other_patient = auth.as_patient()
    other_clinician = auth.as_clinician(patient=other_patient)
    url = URL.format(pid=patient.id)
    assert_problem(auth.anonymous().get(url), 401, "token-missing")
    assert_problem(auth.anonymous().get(ME), 401, "token-missing")
    assert_problem(other_patient.get(url), 404, "not-found")
    assert_problem(other_clinician.get(url), 404, "not-found")
    assert_problem(other_clinician.get(ME), 404, "not-found")
    assert_problem(patient.get(URL.format(pid="not-a-uuid")), 404, "not-found")
    assert patient.get(url).status_code == 200
