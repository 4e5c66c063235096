"""Editing a log entry (PATCH, shared by intake and exercise): any field but its id, a new instant moving its
local date, the create's rules still holding, and nothing half-written on a refusal."""

import pytest

from tests.problems import assert_problem

ME = "/api/v1/patients/me"
LOGS = {
    "intake": {"taken_at": "2026-06-15T08:00:00+09:00", "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"},
    "exercise": {"started_at": "2026-06-15T08:00:00+09:00", "duration_min": 30, "kind": "balance"},
}
INSTANT = {"intake": "taken_at", "exercise": "started_at"}


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-06-15T12:00:00Z")
    return auth.as_patient(timezone="Europe/Lisbon")


@pytest.mark.parametrize("log", LOGS)
def test_a_new_instant_moves_the_local_date_by_its_own_offset(patient, log):
    entry = patient.post(f"{ME}/{log}", json=LOGS[log]).json
    assert entry["local_date"] == "2026-06-15" and entry["utc_offset_min"] == 540  # 08:00 in Tokyo
    moved = patient.patch(f"{ME}/{log}/{entry['id']}", json={INSTANT[log]: "2026-06-14T23:30:00-05:00"})
    assert moved.status_code == 200, moved.json
    assert moved.json["local_date"] == "2026-06-14" and moved.json["utc_offset_min"] == -300
    assert moved.json["version"] > entry["version"] and moved.json["created_at"] == entry["created_at"]
    assert patient.get(f"{ME}/{log}/{entry['id']}").json == moved.json


@pytest.mark.parametrize("log", LOGS)
def test_an_edit_keeps_what_it_leaves_out(patient, log):
    entry = patient.post(f"{ME}/{log}", json={**LOGS[log], "note": "before"}).json
    edited = patient.patch(f"{ME}/{log}/{entry['id']}", json={"note": "after"}).json
    assert {k: v for k, v in edited.items() if k not in ("note", "version", "updated_at")} == {
        k: v for k, v in entry.items() if k not in ("note", "version", "updated_at")
    }
    assert edited["note"] == "after"


@pytest.mark.parametrize(
    "log, change, status, kind",
    [
        ("intake", {"calcium_mg": 0, "vitamin_d_iu": 0}, 422, "validation-error"),  # nothing taken
        ("intake", {"calcium_mg": -1}, 422, "validation-error"),
        ("intake", {"id": "6f1c2d3e-0000-4000-8000-000000000000"}, 422, "validation-error"),  # the id stays
        ("intake", {"taken_at": "2026-06-15T13:00:00Z"}, 422, "clock-skew"),  # an hour ahead of the server
        ("exercise", {"duration_min": 0}, 422, "validation-error"),
        ("exercise", {"kind": "juggling"}, 422, "validation-error"),
    ],
)
def test_a_refused_edit_changes_nothing(patient, log, change, status, kind):
    entry = patient.post(f"{ME}/{log}", json=LOGS[log]).json
    assert_problem(patient.patch(f"{ME}/{log}/{entry['id']}", json=change), status, kind)
    assert patient.get(f"{ME}/{log}/{entry['id']}").json == entry


def test_a_deleted_or_foreign_entry_cannot_be_edited(auth, patient):
    entry = patient.post(f"{ME}/intake", json=LOGS["intake"]).json
    other = auth.as_patient()
    assert_problem(
        other.patch(f"/api/v1/patients/{patient.id}/intake/{entry['id']}", json={"note": "x"}), 404, "not-found"
    )
    assert_problem(other.patch(f"{ME}/intake/{entry['id']}", json={"note": "x"}), 404, "not-found")
    patient.delete(f"{ME}/intake/{entry['id']}")
    assert_problem(patient.patch(f"{ME}/intake/{entry['id']}", json={"note": "x"}), 404, "not-found")
