"""A day's version: its ETag, If-Match on PUT and DELETE, and no version taken by a PUT that changes nothing."""

import pytest

from tests.versions import assert_stale, assert_tagged, match

URL = "/api/v1/patients/me/habits"
DAY = f"{URL}/2026-06-14"


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-06-15T12:00:00Z")
    return auth.as_patient()


def test_each_change_takes_a_higher_version_and_get_sends_it_as_etag(patient):
    created = assert_tagged(patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1}))
    replaced = assert_tagged(patient.put(DAY, {"cigarettes": 1, "alcohol_drinks": 1}))
    assert created < replaced == assert_tagged(patient.get(DAY))
    assert patient.delete(DAY).status_code == 204
    tombstone = patient.get(URL, query_string={"include_deleted": "true"}).json["items"][0]
    assert tombstone["version"] > replaced
    assert assert_tagged(patient.put(DAY, {"cigarettes": 0, "alcohol_drinks": 0})) > tombstone["version"]


def test_a_put_that_changes_nothing_takes_no_version(patient):
    first = patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1}).json
    again = patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1})
    assert again.status_code == 200 and again.json == first


def test_a_stale_if_match_is_412_with_the_day_as_it_is_and_changes_nothing(patient):
    seen = patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1}).json["version"]
    patient.put(DAY, {"cigarettes": 5, "alcohol_drinks": 1})  # another phone
    shown = patient.get(DAY).json
    assert_stale(patient.put(DAY, {"cigarettes": 0, "alcohol_drinks": 0}, headers=match(seen)), shown)
    assert_stale(patient.delete(DAY, headers=match(seen)), shown)
    assert patient.get(DAY).json == shown


def test_a_matching_if_match_replaces_and_deletes(patient):
    version = patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1}).json["version"]
    replaced = patient.put(DAY, {"cigarettes": 3, "alcohol_drinks": 1}, headers=match(version))
    assert replaced.status_code == 200 and replaced.json["cigarettes"] == 3
    assert patient.delete(DAY, headers=match(replaced.json["version"])).status_code == 204


def test_if_match_on_a_day_never_recorded_is_412_and_records_nothing(patient):
    assert_stale(patient.put(DAY, {"cigarettes": 1, "alcohol_drinks": 0}, headers=match(3)), None)
    assert patient.get(DAY).status_code == 404


def test_if_match_on_a_tombstone_names_its_version(patient):
    patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1})
    patient.delete(DAY)
    tombstone = patient.get(URL, query_string={"include_deleted": "true"}).json["items"][0]
    body = {"cigarettes": 1, "alcohol_drinks": 0}
    assert_stale(patient.put(DAY, body, headers=match(tombstone["version"] - 1)), tombstone)
    revived = patient.put(DAY, body, headers=match(tombstone["version"]))
    assert revived.status_code == 201


def test_delete_twice_is_204_twice(patient):
    patient.put(DAY, {"cigarettes": 2, "alcohol_drinks": 1})
    assert patient.delete(DAY).status_code == 204
    assert patient.delete(DAY).status_code == 204
