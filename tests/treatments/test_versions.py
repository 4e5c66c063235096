"""Versions of treatments: a clinician's create and each change take the patient's next version."""

import uuid

import pytest

from tests.treatments.test_routes import DENOSUMAB, url
from tests.versions import assert_stale, assert_tagged, match


@pytest.fixture
def course(care):
    """A recorded course: (its URL, as created)."""
    patient, clinician = care
    created = clinician.post(url(patient), json={**DENOSUMAB, "id": str(uuid.uuid4())})
    assert created.status_code == 201
    return url(patient, f"treatments/{created.json['id']}"), created.json


def test_each_change_takes_a_higher_version(care, course):
    patient, clinician = care
    item, created = course
    stopped = assert_tagged(clinician.patch(item, {"stopped_on": "2026-03-01"}))
    assert created["version"] < stopped
    assert patient.get("/api/v1/patients/me/treatments").json["items"][0]["version"] == stopped
    assert clinician.patch(item, {"stopped_on": "2026-03-01"}).json["version"] == stopped  # no change


def test_a_retry_of_the_create_takes_no_version(care, course):
    patient, clinician = care
    _, created = course
    body = {**DENOSUMAB, "id": created["id"]}
    again = clinician.post(url(patient), json=body)
    assert again.status_code == 200 and again.json["version"] == created["version"]


def test_a_stale_if_match_is_412_with_the_course_as_it_is_and_changes_nothing(care, course):
    patient, clinician = care
    item, created = course
    clinician.patch(item, {"note": "second dose given elsewhere"})  # a colleague
    (shown,) = patient.get("/api/v1/patients/me/treatments").json["items"]
    assert_stale(clinician.patch(item, {"stopped_on": "2026-03-01"}, headers=match(created["version"])), shown)
    assert patient.get("/api/v1/patients/me/treatments").json["items"] == [shown]


def test_a_matching_if_match_changes_the_course(care, course):
    _, clinician = care
    item, created = course
    changed = clinician.patch(item, {"stopped_on": "2026-03-01"}, headers=match(created["version"]))
    assert changed.status_code == 200 and changed.json["stopped_on"] == "2026-03-01"
