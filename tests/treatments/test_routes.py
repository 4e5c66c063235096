"""Treatments over HTTP: a clinician records and changes courses, the patient reads her own, strangers get 404,
and the assessment reads them (dose due, stopped without a follow-on agent)."""

import uuid

import pytest

from tests.factories import join_care_team
from tests.problems import assert_problem

DENOSUMAB = {"agent": "denosumab", "started_on": "2025-03-01", "last_dose_on": "2025-09-01"}


def url(patient, tail="treatments"):
    return f"/api/v1/patients/{patient.id}/{tail}"


def flags(caller, patient):
    return {f["code"]: f for f in caller.get(url(patient, "assessment")).json["flags"]}


def test_a_clinician_records_denosumab_and_the_patient_reads_it_with_its_interval(care):
    patient, clinician = care
    created = clinician.post(url(patient), json=DENOSUMAB)
    assert created.status_code == 201, created.json
    assert created.json["dose_interval_days"] == 182 and created.json["stopped_on"] is None
    assert created.json["created_by"] == clinician.id
    mine = patient.get("/api/v1/patients/me/treatments").json
    assert [t["id"] for t in mine["items"]] == [created.json["id"]] and mine["next_cursor"] is None
    # 2025-09-01 + 182 days = 2026-03-02: due, not yet 4 weeks late
    assert flags(patient, patient)["DENOSUMAB_DOSE_DUE"]["severity"] == "warning"
    assert "2026-03-02" in flags(clinician, patient)["DENOSUMAB_DOSE_DUE"]["message"]


def test_other_agents_take_no_default_interval_and_a_stated_one_wins(care):
    patient, clinician = care
    oral = clinician.post(url(patient), json={"agent": "alendronate", "started_on": "2026-01-01"}).json
    assert oral["dose_interval_days"] is None
    zol = clinician.post(url(patient), json={"agent": "zoledronic_acid", "started_on": "2026-01-01"}).json
    assert zol["dose_interval_days"] == 365
    own = clinician.post(url(patient), json={**DENOSUMAB, "dose_interval_days": 180}).json
    assert own["dose_interval_days"] == 180


def test_stopping_denosumab_without_a_follow_on_agent_is_urgent_until_one_is_recorded(care):
    patient, clinician = care
    course = clinician.post(url(patient), json=DENOSUMAB).json
    stopped = clinician.patch(url(patient, f"treatments/{course['id']}"), json={"stopped_on": "2026-03-01"})
    assert stopped.status_code == 200 and stopped.json["stopped_on"] == "2026-03-01"
    found = flags(patient, patient)
    assert found["DENOSUMAB_STOPPED"]["severity"] == "urgent" and "ON_BONE_AGENT" not in found
    assert "follow-on" in found["DENOSUMAB_STOPPED"]["message"]
    clinician.post(url(patient), json={"agent": "zoledronic_acid", "started_on": "2026-03-05"})
    found = flags(patient, patient)
    assert "DENOSUMAB_STOPPED" not in found and found["ON_BONE_AGENT"]["severity"] == "info"


def test_patients_may_not_write_and_strangers_see_nothing(auth, care):
    patient, clinician = care
    course = clinician.post(url(patient), json=DENOSUMAB).json
    assert_problem(patient.post("/api/v1/patients/me/treatments", json=DENOSUMAB), 403, "forbidden")
    assert_problem(
        patient.patch(f"/api/v1/patients/me/treatments/{course['id']}", json={"note": "x"}), 403, "forbidden"
    )
    stranger = auth.as_clinician()
    assert_problem(stranger.get(url(patient)), 404, "not-found")
    assert_problem(stranger.patch(url(patient, f"treatments/{course['id']}"), json={"note": "x"}), 404, "not-found")
    other = auth.as_patient()
    assert_problem(other.get(url(patient)), 404, "not-found")


def test_a_treatment_of_another_patient_is_not_found_through_this_one(auth, care):
    patient, clinician = care
    second = auth.as_patient()
    join_care_team(second, clinician)
    theirs = clinician.post(url(second), json=DENOSUMAB).json
    assert_problem(clinician.patch(url(patient, f"treatments/{theirs['id']}"), json={"note": "x"}), 404, "not-found")
    assert_problem(clinician.patch(url(patient, f"treatments/{uuid.uuid4()}"), json={"note": "x"}), 404, "not-found")


def test_a_retry_stores_nothing_twice_and_a_reused_id_is_a_conflict(care):
    patient, clinician = care
    body = {**DENOSUMAB, "id": str(uuid.uuid4())}
    assert clinician.post(url(patient), json=body).status_code == 201
    assert clinician.post(url(patient), json=body).status_code == 200
    assert_problem(clinician.post(url(patient), json={**body, "agent": "alendronate"}), 409, "conflict")
    assert len(patient.get("/api/v1/patients/me/treatments").json["items"]) == 1


def test_the_clinicians_reads_and_changes_are_in_her_access_log(care, clock):
    patient, clinician = care
    course = clinician.post(url(patient), json=DENOSUMAB).json
    clock.set("2026-03-08T17:01:00Z")
    clinician.get(url(patient))
    clock.set("2026-03-08T17:02:00Z")
    clinician.patch(url(patient, f"treatments/{course['id']}"), json={"last_dose_on": "2026-03-07"})
    log = patient.get("/api/v1/patients/me/access-log").json["items"]
    assert [(e["action"], e["resource"], e["resource_id"]) for e in log] == [
        ("update", "treatments", course["id"]),
        ("read", "treatments", None),
        ("create", "treatments", None),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**DENOSUMAB, "agent": "tamoxifen"}, "agent"),
        ({"started_on": "2026-01-01"}, "agent"),
        ({"agent": "denosumab"}, "started_on"),
        ({**DENOSUMAB, "started_on": "2026-03-09"}, "started_on"),  # after her today
        ({**DENOSUMAB, "stopped_on": "2025-02-28"}, "stopped_on"),  # before the start
        ({**DENOSUMAB, "last_dose_on": "2025-02-28"}, "last_dose_on"),  # before the start
        ({**DENOSUMAB, "stopped_on": "2025-08-01"}, "last_dose_on"),  # after the stop
        ({**DENOSUMAB, "last_dose_on": "2026-03-09"}, "last_dose_on"),  # after her today
        ({**DENOSUMAB, "dose_interval_days": 0}, "dose_interval_days"),
        ({**DENOSUMAB, "dose_interval_days": 3651}, "dose_interval_days"),
        ({**DENOSUMAB, "note": "x" * 1001}, "note"),
        ({**DENOSUMAB, "dose_mg": 60}, "dose_mg"),
    ],
)
def test_invalid_treatments_are_422(care, body, field):
    patient, clinician = care
    assert_problem(clinician.post(url(patient), json=body), 422, "validation-error", field)


def test_the_boundaries_are_accepted(care):
    patient, clinician = care
    edge = {
        "agent": "other",
        "started_on": "2026-03-08",
        "stopped_on": "2026-03-08",
        "last_dose_on": "2026-03-08",
        "dose_interval_days": 3650,
        "note": "x" * 1000,
    }
    assert clinician.post(url(patient), json=edge).status_code == 201
    assert clinician.post(url(patient), json={**DENOSUMAB, "dose_interval_days": 1}).status_code == 201


def test_a_patch_is_checked_against_the_stored_course(care):
    patient, clinician = care
    course = clinician.post(url(patient), json=DENOSUMAB).json
    path = url(patient, f"treatments/{course['id']}")
    assert_problem(clinician.patch(path, json={"stopped_on": "2025-01-01"}), 422, "validation-error", "stopped_on")
    assert_problem(clinician.patch(path, json={"started_on": "2026-04-01"}), 422, "validation-error", "started_on")
    assert_problem(clinician.patch(path, json={"agent": None}), 422, "validation-error", "agent")
    assert_problem(clinician.patch(path, json={"id": str(uuid.uuid4())}), 422, "validation-error", "id")
    assert clinician.patch(path, json={"stopped_on": None, "note": "restarted"}).json["note"] == "restarted"


def test_correcting_the_agent_to_denosumab_takes_denosumabs_interval(care):
    """A course first recorded as zoledronic acid (yearly) and corrected to denosumab is due every 6 months, not
    every 12: the old agent's interval would hold back the dose-due and dose-late flags by half a year."""
    patient, clinician = care
    course = clinician.post(url(patient), json={**DENOSUMAB, "agent": "zoledronic_acid"}).json
    assert course["dose_interval_days"] == 365
    corrected = clinician.patch(url(patient, f"treatments/{course['id']}"), json={"agent": "denosumab"})
    assert corrected.status_code == 200 and corrected.json["dose_interval_days"] == 182
    assert "DENOSUMAB_DOSE_DUE" in flags(patient, patient)
