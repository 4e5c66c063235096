"""Versions of log entries (intake; exercise shares the log book): ETag, If-Match, tombstones."""

import concurrent.futures
import uuid

from tests.problems import assert_problem
from tests.versions import assert_stale, assert_stays_deleted, assert_tagged, match

URL = "/api/v1/patients/me/intake"
DOSE = {"taken_at": "2026-03-08T09:00:00Z", "calcium_mg": 500, "vitamin_d_iu": 0, "source": "supplement"}


def test_each_edit_takes_a_higher_version_and_one_that_changes_nothing_takes_none(auth):
    patient = auth.as_patient()
    created = patient.post(URL, json=DOSE).json
    item = f"{URL}/{created['id']}"
    edited = assert_tagged(patient.patch(item, {"calcium_mg": 600}))
    assert created["version"] < edited == assert_tagged(patient.get(item))
    assert assert_tagged(patient.patch(item, {"calcium_mg": 600})) == edited


def test_a_stale_if_match_is_412_with_the_entry_as_it_is_and_changes_nothing(auth):
    patient = auth.as_patient()
    created = patient.post(URL, json=DOSE).json
    item = f"{URL}/{created['id']}"
    patient.patch(item, {"note": "with breakfast"})  # another phone
    shown = patient.get(item).json
    assert_stale(patient.patch(item, {"calcium_mg": 100}, headers=match(created["version"])), shown)
    assert_stale(patient.delete(item, headers=match(created["version"])), shown)
    assert patient.get(item).json == shown
    assert patient.delete(item, headers=match(shown["version"])).status_code == 204


def test_deleting_twice_is_204_and_its_id_stays_deleted(auth):
    patient = auth.as_patient()
    assert_stays_deleted(patient, URL, {**DOSE, "id": str(uuid.uuid4())})
    assert patient.get(URL).json["items"] == []


def test_ten_concurrent_edits_naming_one_version_let_exactly_one_through(app, auth, clock):
    """Each write takes the patient's row lock before it reads the entry, so of ten phones editing from the same
    version one wins and nine get a 412, instead of the last silently overwriting the first."""
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    created = patient.post(URL, json=DOSE).json
    item, headers = f"{URL}/{created['id']}", {**patient.headers, **match(created["version"])}

    def edit(n):
        return app.test_client().patch(item, json={"calcium_mg": 100 + n}, headers=headers).status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(edit, range(10)))
    assert sorted(codes) == [200] + [412] * 9
    assert patient.get(item).json["version"] == created["version"] + 1


def test_if_match_takes_the_version_quoted_weak_or_bare_and_refuses_anything_else(auth):
    patient = auth.as_patient()
    created = patient.post(URL, json=DOSE).json
    item, version = f"{URL}/{created['id']}", created["version"]
    for stale in (f'"{version + 5}"', f'W/"{version + 5}"', str(version + 5)):
        assert_stale(patient.patch(item, {"note": "x"}, headers={"If-Match": stale}), patient.get(item).json)
    assert patient.patch(item, {"note": "bare"}, headers={"If-Match": str(version)}).status_code == 200
    for garbage in ('"7', "seven", '"1", "2"', '"' + "9" * 19 + '"'):
        assert_problem(patient.patch(item, {"note": "x"}, headers={"If-Match": garbage}), 422, "validation-error")
