"""Habits: one record per local day, replaced by PUT."""

import pytest

from tests.problems import assert_problem

URL = "/api/v1/patients/me/habits"


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-06-15T02:00:00Z")  # still 14 June in Los Angeles
    return auth.as_patient(timezone="America/Los_Angeles")


def test_put_creates_then_replaces_the_day(patient):
    first = patient.put(f"{URL}/2026-06-14", {"cigarettes": 2, "alcohol_drinks": 1.5})
    assert first.status_code == 201
    assert first.json["date"] == "2026-06-14"
    second = patient.put(f"{URL}/2026-06-14", {"cigarettes": 0, "alcohol_drinks": 0.5})
    assert second.status_code == 200
    assert patient.get(f"{URL}/2026-06-14").json["cigarettes"] == 0
    assert len(patient.get(URL).json["items"]) == 1


def test_a_day_after_today_everywhere_on_earth_is_rejected(patient):
    # 15 June has begun in Kiritimati (UTC+14) though not in Los Angeles; 16 June has begun nowhere
    assert patient.put(f"{URL}/2026-06-15", {"cigarettes": 0, "alcohol_drinks": 0}).status_code == 201
    assert_problem(
        patient.put(f"{URL}/2026-06-16", {"cigarettes": 0, "alcohol_drinks": 0}), 422, "validation-error", "date"
    )


@pytest.mark.parametrize("profile", ["Pacific/Kiritimati", "Europe/Lisbon"])
def test_a_patient_in_kiritimati_can_record_her_today(auth, clock, profile):
    clock.set("2026-06-15T10:30:00Z")  # 00:30 on 16 June in Kiritimati, 11:30 on 15 June in Lisbon
    patient = auth.as_patient(timezone=profile)
    assert patient.put(f"{URL}/2026-06-16", {"cigarettes": 1, "alcohol_drinks": 0}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cigarettes": -1, "alcohol_drinks": 0}, "cigarettes"),
        ({"cigarettes": 201, "alcohol_drinks": 0}, "cigarettes"),
        ({"cigarettes": 1.5, "alcohol_drinks": 0}, "cigarettes"),
        ({"cigarettes": 0, "alcohol_drinks": 50.5}, "alcohol_drinks"),
        ({"cigarettes": 0, "alcohol_drinks": -0.1}, "alcohol_drinks"),
        ({"cigarettes": 0}, "alcohol_drinks"),
        ({"cigarettes": 0, "alcohol_drinks": 0, "vapes": 3}, "vapes"),
    ],
)
def test_validation_matrix(patient, body, field):
    assert_problem(patient.put(f"{URL}/2026-06-14", body), 422, "validation-error", field)


@pytest.mark.parametrize("day", ["2026-02-30", "14-06-2026", "20260614", "today"])
def test_bad_dates_are_422(patient, day):
    assert_problem(patient.put(f"{URL}/{day}", {"cigarettes": 0, "alcohol_drinks": 0}), 422, "validation-error", "date")


def test_delete_keeps_a_tombstone_and_put_revives(patient):
    patient.put(f"{URL}/2026-06-14", {"cigarettes": 3, "alcohol_drinks": 0})
    assert patient.delete(f"{URL}/2026-06-14").status_code == 204
    assert_problem(patient.get(f"{URL}/2026-06-14"), 404, "not-found")
    assert patient.delete(f"{URL}/2026-06-14").status_code == 204  # deleting again is harmless
    assert_problem(patient.delete(f"{URL}/2026-06-13"), 404, "not-found")  # a day never recorded
    tombstones = patient.get(URL, query_string={"include_deleted": "true"}).json["items"]
    assert tombstones[0]["deleted_at"] is not None
    assert patient.put(f"{URL}/2026-06-14", {"cigarettes": 1, "alcohol_drinks": 0}).status_code == 201


def test_list_is_newest_first_and_paged(patient):
    for day in ("2026-06-10", "2026-06-12", "2026-06-11"):
        patient.put(f"{URL}/{day}", {"cigarettes": 0, "alcohol_drinks": 1})
    page = patient.get(URL, query_string={"limit": 2}).json
    assert [d["date"] for d in page["items"]] == ["2026-06-12", "2026-06-11"]
    rest = patient.get(URL, query_string={"limit": 2, "cursor": page["next_cursor"]}).json
    assert [d["date"] for d in rest["items"]] == ["2026-06-10"] and rest["next_cursor"] is None


def test_access(auth, patient):
    clinician = auth.as_clinician(patient)
    patient.put(f"{URL}/2026-06-14", {"cigarettes": 0, "alcohol_drinks": 2})
    url = f"/api/v1/patients/{patient.id}/habits/2026-06-14"
    assert clinician.get(url).json["alcohol_drinks"] == 2
    assert_problem(clinician.put(url, {"cigarettes": 0, "alcohol_drinks": 0}), 403, "forbidden")
    assert_problem(clinician.delete(url), 403, "forbidden")
    assert_problem(auth.as_clinician().get(url), 404, "not-found")
    assert_problem(auth.as_patient().get(url), 404, "not-found")
