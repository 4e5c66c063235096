"""Exercise sessions: validation, retries and local dates through the shared log book."""

import uuid

import pytest

from tests.problems import assert_problem

URL = "/api/v1/patients/me/exercise"


def _session(**overrides):
    body = {"started_at": "2026-06-15T07:30:00-04:00", "duration_min": 30, "kind": "resistance"}
    body.update(overrides)
    return body


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-06-15T18:00:00Z")
    return auth.as_patient(timezone="America/New_York")


def test_log_a_session(patient):
    response = patient.post(URL, _session(intensity="moderate", note="bands"))
    assert response.status_code == 201
    assert response.json["local_date"] == "2026-06-15"
    assert response.json["started_at"] == "2026-06-15T11:30:00Z"
    assert response.json["kind"] == "resistance"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration_min": 0}, "duration_min"),
        ({"duration_min": 601}, "duration_min"),
        ({"duration_min": 30.5}, "duration_min"),
        ({"duration_min": "30"}, "duration_min"),
        ({"kind": "yoga"}, "kind"),
        ({"intensity": "extreme"}, "intensity"),
        ({"started_at": "2026-06-15T07:30:00"}, "started_at"),
        ({"calories": 200}, "calories"),
    ],
)
def test_validation_matrix(patient, overrides, field):
    assert_problem(patient.post(URL, _session(**overrides)), 422, "validation-error", field)


def test_a_session_ahead_of_the_server_is_clock_skew_and_keeps_its_offset(patient):
    body = assert_problem(
        patient.post(URL, _session(started_at="2026-06-16T07:30:00Z")), 422, "clock-skew", "started_at"
    )
    assert body["server_time"] == "2026-06-15T18:00:00Z"
    # 02:00 on 16 June in Tokyo is 13:00 on 15 June in New York, her profile's zone
    entry = patient.post(URL, _session(started_at="2026-06-16T02:00:00+09:00")).json
    assert (entry["local_date"], entry["utc_offset_min"]) == ("2026-06-16", 540)
    assert patient.get(f"{URL}/{entry['id']}").json["utc_offset_min"] == 540


def test_retry_and_conflict(patient):
    entry_id = str(uuid.uuid4())
    assert patient.post(URL, _session(id=entry_id)).status_code == 201
    assert patient.post(URL, _session(id=entry_id)).status_code == 200
    assert_problem(patient.post(URL, _session(id=entry_id, duration_min=45)), 409, "conflict")


def test_an_intake_id_is_not_an_exercise(patient):
    entry = patient.post(URL, _session()).json
    assert_problem(patient.get(f"/api/v1/patients/me/intake/{entry['id']}"), 404, "not-found")


def test_delete_and_sync(patient):
    entry = patient.post(URL, _session()).json
    assert patient.delete(f"{URL}/{entry['id']}").status_code == 204
    assert patient.get(URL).json["items"] == []
    assert patient.get(URL, query_string={"include_deleted": "1"}).json["items"][0]["deleted_at"]
