"""Versions of DXA appointments, results and labs: a clinician's writes take the patient's next version."""

import uuid

import pytest

from tests.dxa.test_routes import RESULT, url
from tests.factories import log_habits, log_intake
from tests.problems import assert_problem
from tests.versions import assert_stale, assert_stays_deleted, assert_tagged, match


@pytest.fixture
def appointment(care):
    """A booked appointment's URL."""
    patient, clinician = care
    booked = clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2026-05-01"})
    assert booked.status_code == 201
    return url(patient, f"dxa/appointments/{booked.json['id']}")


def test_versions_of_one_patient_grow_across_her_records_whoever_writes(care):
    patient, clinician = care
    intake = log_intake(patient, "2026-03-08T09:00:00Z", calcium=500)["version"]
    result = clinician.post(url(patient, "dxa/results"), json=RESULT).json["version"]
    lab = clinician.post(url(patient, "labs"), json={"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 20})
    habits = log_habits(patient, "2026-03-08", cigarettes=1)["version"]
    assert intake < result < lab.json["version"] < habits


def test_a_retry_of_a_result_takes_no_version(care):
    patient, clinician = care
    body = {**RESULT, "id": str(uuid.uuid4())}
    first = clinician.post(url(patient, "dxa/results"), json=body).json
    again = clinician.post(url(patient, "dxa/results"), json=body)
    assert again.status_code == 200 and again.json["version"] == first["version"]


def test_each_change_of_an_appointment_takes_a_higher_version_and_get_sends_it(care, appointment):
    _, clinician = care
    booked = assert_tagged(clinician.get(appointment))
    moved = assert_tagged(clinician.patch(appointment, {"scheduled_for": "2026-05-02"}))
    assert booked < moved == assert_tagged(clinician.get(appointment))
    assert clinician.patch(appointment, {"scheduled_for": "2026-05-02"}).json["version"] == moved  # no change


def test_a_stale_if_match_is_412_with_the_appointment_as_it_is_and_changes_nothing(care, appointment):
    _, clinician = care
    seen = clinician.get(appointment).json["version"]
    clinician.patch(appointment, {"note": "bring the letter"})  # a colleague
    shown = clinician.get(appointment).json
    assert_stale(clinician.patch(appointment, {"note": "fasting"}, headers=match(seen)), shown)
    assert_stale(clinician.delete(appointment, headers=match(seen)), shown)
    assert clinician.get(appointment).json == shown


def test_a_matching_if_match_changes_and_cancels(care, appointment):
    _, clinician = care
    version = clinician.get(appointment).json["version"]
    changed = clinician.patch(appointment, {"location": "Ward 4"}, headers=match(version))
    assert changed.status_code == 200 and changed.json["location"] == "Ward 4"
    assert clinician.delete(appointment, headers=match(changed.json["version"])).status_code == 204
    assert_problem(clinician.get(appointment), 404, "not-found")


def test_cancelling_twice_is_204_and_rebooking_its_id_is_409_deleted(care):
    patient, clinician = care
    body = {"id": str(uuid.uuid4()), "scheduled_for": "2026-05-01"}
    booked = assert_stays_deleted(clinician, url(patient, "dxa/appointments"), body)
    (tombstone,) = patient.get("/api/v1/patients/me/dxa/appointments?include_deleted=true").json["items"]
    assert tombstone["version"] > booked["version"]
