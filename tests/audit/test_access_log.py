"""The patient reads who else read or changed her record."""

import pytest

from tests.problems import assert_problem


@pytest.fixture
def pair(auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    return auth.care_team()


def log_of(patient, query=""):
    return patient.get(f"/api/v1/patients/me/access-log{query}").json


def test_reads_and_changes_by_a_clinician_are_logged_newest_first(pair, clock):
    patient, clinician = pair
    clinician.get(f"/api/v1/patients/{patient.id}/intake")
    clock.set("2026-03-08T12:05:00Z")
    lab = clinician.post(
        f"/api/v1/patients/{patient.id}/labs", json={"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 25}
    ).json
    items = log_of(patient)["items"]
    assert [(e["at"], e["action"], e["resource"], e["resource_id"]) for e in items] == [
        ("2026-03-08T12:05:00Z", "create", "labs", None),
        ("2026-03-08T12:00:00Z", "read", "intake", None),
    ]
    assert items[0]["actor"] == {"id": clinician.id, "display_name": "Dr Who", "role": "clinician"}
    assert lab["id"]


def test_the_patients_own_reads_are_not_logged(pair):
    patient, _ = pair
    patient.get("/api/v1/patients/me/intake")
    patient.get("/api/v1/patients/me/assessment")
    assert log_of(patient)["items"] == []


def test_a_refused_change_leaves_no_entry(pair):
    patient, clinician = pair
    bad = clinician.post(
        f"/api/v1/patients/{patient.id}/labs", json={"measured_on": "2026-03-09", "vitamin_d_25oh_ng_ml": 25}
    )
    assert_problem(bad, 422, "validation-error", "measured_on")
    assert log_of(patient)["items"] == []


def test_the_log_is_paginated(pair, clock):
    patient, clinician = pair
    for minute in range(5):
        clock.set(f"2026-03-08T12:0{minute}:00Z")
        clinician.get(f"/api/v1/patients/{patient.id}/assessment")
    first = log_of(patient, "?limit=3")
    second = log_of(patient, f"?limit=3&cursor={first['next_cursor']}")
    assert [e["at"][14:16] for e in first["items"] + second["items"]] == ["04", "03", "02", "01", "00"]
    assert second["next_cursor"] is None


def test_only_the_patient_reads_it(auth, pair):
    patient, clinician = pair
    assert_problem(clinician.get(f"/api/v1/patients/{patient.id}/access-log"), 403, "forbidden")
    assert_problem(auth.as_clinician().get(f"/api/v1/patients/{patient.id}/access-log"), 404, "not-found")
    assert_problem(auth.as_patient().get(f"/api/v1/patients/{patient.id}/access-log"), 404, "not-found")
    assert_problem(auth.anonymous().get("/api/v1/patients/me/access-log"), 401, "token-missing")
    assert_problem(patient.get("/api/v1/patients/me/access-log?limit=0"), 422, "validation-error", "limit")
    # the refused read by the clinician is not in the log
    assert log_of(patient)["items"] == []
