"""The care plan's version: 0 while it is the guidance's defaults, then the patient's counter at each change."""

from tests.careplan.test_routes import DEFAULTS
from tests.factories import log_intake
from tests.versions import assert_stale, assert_tagged, match

URL = "/api/v1/patients/me/care-plan"


def _url(patient) -> str:
    return f"/api/v1/patients/{patient.id}/care-plan"


def test_the_defaults_are_version_0(auth):
    response = auth.as_patient().get(URL)
    assert assert_tagged(response) == 0 and response.json["updated_at"] is None


def test_a_clinicians_change_takes_the_patients_next_version(auth):
    patient, clinician = auth.care_team()
    logged = log_intake(patient, "2026-03-08T09:00:00Z", calcium=500)["version"]
    first = assert_tagged(clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}))
    second = assert_tagged(clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 900}))
    assert logged < first < second == assert_tagged(patient.get(URL))
    assert log_intake(patient, "2026-03-09T09:00:00Z", calcium=500)["version"] > second


def test_the_same_targets_again_take_no_version(auth):
    patient, clinician = auth.care_team()
    first = clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}).json
    assert clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}).json == first


def test_if_match_0_replaces_only_the_defaults(auth):
    patient, clinician = auth.care_team()
    written = clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}, headers=match(0))
    assert written.status_code == 200 and written.json["calcium_mg_min"] == 1100
    shown = clinician.get(_url(patient)).json
    assert_stale(clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 900}, headers=match(0)), shown)
    assert patient.get(URL).json == shown


def test_a_stale_if_match_is_412_with_the_plan_as_it_is_and_changes_nothing(auth):
    patient, clinician = auth.care_team()
    default = clinician.get(_url(patient)).json
    assert_stale(clinician.put(_url(patient), DEFAULTS, headers=match(5)), default)
    seen = clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}).json["version"]
    clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 900})  # a colleague
    shown = clinician.get(_url(patient)).json
    assert_stale(clinician.put(_url(patient), DEFAULTS, headers=match(seen)), shown)
    assert clinician.get(_url(patient)).json == shown


def test_a_matching_if_match_replaces_the_plan(auth):
    patient, clinician = auth.care_team()
    version = clinician.put(_url(patient), {**DEFAULTS, "calcium_mg_min": 1100}).json["version"]
    response = clinician.put(_url(patient), DEFAULTS, headers=match(version))
    assert response.status_code == 200 and response.json["is_default"] is True
    assert response.json["version"] > version
