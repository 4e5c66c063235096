"""The profile's version: its ETag, If-Match on PATCH, a change counter shared with her other records."""

from tests.versions import assert_stale, assert_tagged, match

URL = "/api/v1/patients/me"


def test_each_change_takes_a_higher_version_and_get_sends_it_as_etag(auth):
    patient = auth.as_patient()
    first = assert_tagged(patient.get(URL))
    changed = patient.patch(URL, {"display_name": "Ana"})
    second = assert_tagged(changed)
    assert second > first and changed.json["updated_at"].endswith("Z")
    third = assert_tagged(patient.patch(URL, {"quiet_hours": {"start": "22:00", "end": "07:00"}}))
    assert third > second
    assert assert_tagged(patient.get(URL)) == third


def test_a_patch_that_changes_nothing_takes_no_version(auth):
    patient = auth.as_patient()
    version = patient.patch(URL, {"display_name": "Ana"}).json["version"]
    assert patient.patch(URL, {"display_name": "Ana"}).json["version"] == version


def test_a_stale_if_match_is_412_with_the_profile_as_it_is_and_changes_nothing(auth):
    patient = auth.as_patient()
    seen = patient.patch(URL, {"display_name": "Ana"}).json["version"]
    patient.patch(URL, {"display_name": "Bea"})  # another phone
    assert_stale(patient.patch(URL, {"display_name": "Cleo"}, headers=match(seen)), patient.get(URL).json)
    assert patient.get(URL).json["display_name"] == "Bea"


def test_a_matching_if_match_changes_the_profile(auth):
    patient = auth.as_patient()
    version = patient.get(URL).json["version"]
    response = patient.patch(URL, {"smoking_status": "former"}, headers=match(version))
    assert response.status_code == 200 and response.json["smoking_status"] == "former"
    assert response.json["version"] > version
