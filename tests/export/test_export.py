"""GET /patients/{pid}/export: everything held about the patient, as JSON or as a FHIR R4 bundle that
fhir.resources validates; hers and her care team's only, and a clinician's export is in her access log."""

import json
import uuid
from collections import Counter

import pytest
from fhir.resources.R4B.bundle import Bundle

from bonecare.changes.service import KINDS
from bonecare.export.service import SECTIONS
from tests.factories import log_exercise, log_habits, log_intake
from tests.problems import assert_problem

ME = "/api/v1/patients/me"
NOW = "2026-06-15T12:00:00Z"
FHIR = {"Accept": "application/fhir+json"}


@pytest.fixture
def team(auth, clock):
    """A patient in UTC with one record of every kind, and her clinician."""
    clock.set(NOW)
    patient, clinician = auth.care_team(timezone="UTC")
    them = f"/api/v1/patients/{patient.id}"
    patient.patch(ME, json={"smoking_status": "former", "display_name": "Ana Export"})
    log_intake(patient, "2026-06-14T08:00:00Z", calcium=500, vitamin_d=800)
    log_intake(patient, "2026-06-14T13:00:00Z", calcium=250)
    log_exercise(patient, "2026-06-14T17:00:00Z", "balance", 20)
    log_exercise(patient, "2026-06-14T18:00:00Z", "endurance", 45)
    log_habits(patient, "2026-06-14", cigarettes=2, drinks=1.5)
    assert patient.post(f"{ME}/reminders", json={"kind": "supplement", "time_of_day": "08:00"}).status_code == 201
    device = patient.put(f"{ME}/devices/{uuid.uuid4()}", json={"platform": "fcm", "token": "fcm-token-9876"})
    assert device.status_code == 201
    plan = {
        "calcium_mg_min": 1100,
        "calcium_mg_max": 1200,
        "vitamin_d_iu_min": 800,
        "vitamin_d_iu_max": 1000,
        "alcohol_drinks_per_week_max": 5,
        "exercise_weekly": {k: {"sessions": 2} for k in ("balance", "flexibility", "endurance", "resistance")},
        "exemestane_started_on": "2026-01-10",
    }
    writes = [
        ("put", f"{them}/care-plan", plan),
        ("post", f"{them}/dxa/results", {"performed_on": "2026-06-01", "lumbar_spine_t": -2.6, "total_hip_t": -1.9,
                                         "femoral_neck_t": -2.2, "frax_major_pct": 12.5, "vertebral_fractures": 1}),
        ("post", f"{them}/dxa/appointments", {"scheduled_for": "2027-06-10", "location": "Radiology"}),
        ("post", f"{them}/labs", {"measured_on": "2026-06-02", "value": 50, "unit": "nmol/L"}),
        ("post", f"{them}/treatments", {"agent": "denosumab", "started_on": "2026-06-05",
                                        "last_dose_on": "2026-06-05"}),
    ]  # fmt: skip
    for method, url, body in writes:
        response = getattr(clinician, method)(url, json=body)
        assert response.status_code in (200, 201), response.json
    return patient, clinician


def test_the_patients_export_holds_every_record_of_hers(team):
    patient, clinician = team
    response = patient.get(f"{ME}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.json
    assert doc["format"] == "bonecare-export" and doc["format_version"] == 1
    assert doc["exported_at"] == "2026-06-15T12:00:00Z" and doc["patient_id"] == patient.id
    assert set(SECTIONS.values()) <= set(doc)  # every kind the sync feed knows
    assert doc["profile"]["display_name"] == "Ana Export" and doc["profile"]["smoking_status"] == "former"
    assert sorted(e["calcium_mg"] for e in doc["intake"]) == [250, 500]
    assert {(e["kind"], e["duration_min"]) for e in doc["exercise"]} == {("balance", 20), ("endurance", 45)}
    assert [(h["date"], h["cigarettes"], h["alcohol_drinks"]) for h in doc["habits"]] == [("2026-06-14", 2, 1.5)]
    [reminder] = doc["reminders"]
    assert reminder["kind"] == "supplement" and reminder["time_of_day"] == "08:00" and reminder["next_fire_at"]
    assert doc["notifications"] and {n["kind"] for n in doc["notifications"]} == {"supplement"}
    [device] = doc["devices"]
    assert device["platform"] == "fcm" and device["token"] == "…9876"  # masked
    assert doc["care_plan"]["calcium_mg_min"] == 1100 and doc["care_plan"]["exemestane_started_on"] == "2026-01-10"
    [scan] = doc["dxa_results"]
    assert (scan["lumbar_spine_t"], scan["femoral_neck_t"], scan["vertebral_fractures"]) == (-2.6, -2.2, 1)
    [appointment] = doc["dxa_appointments"]
    assert appointment["scheduled_for"] == "2027-06-10" and appointment["location"] == "Radiology"
    [lab] = doc["labs"]
    assert (lab["value"], lab["unit"], lab["vitamin_d_25oh_ng_ml"]) == (50, "nmol/L", 20.03)
    [course] = doc["treatments"]
    assert course["agent"] == "denosumab" and course["dose_interval_days"] == 182
    [member] = doc["care_team"]
    assert member["id"] == clinician.id
    # her access log: each of her clinician's writes (the care plan, scan, appointment, lab, treatment)
    assert {(e["action"], e["resource"]) for e in doc["access_log"]} >= {("update", "care_plan"), ("create", "labs")}
    assert {e["actor"]["id"] for e in doc["access_log"]} == {clinician.id}


def test_a_deleted_entry_is_exported_as_the_tombstone_its_get_shows(team):
    patient, _ = team
    entry = log_intake(patient, "2026-06-15T08:00:00Z", calcium=300)
    assert patient.delete(f"{ME}/intake/{entry['id']}").status_code == 204
    [gone] = [e for e in patient.get(f"{ME}/export").json["intake"] if e["id"] == entry["id"]]
    assert gone["calcium_mg"] == 300 and gone["deleted_at"] == "2026-06-15T12:00:00Z"


def test_the_json_export_and_the_feed_know_the_same_kinds():
    assert SECTIONS.keys() == KINDS.keys()


def test_a_clinicians_export_is_in_the_access_log_and_leaves_out_what_only_she_reads(team):
    patient, clinician = team
    doc = clinician.get(f"/api/v1/patients/{patient.id}/export").json
    assert "access_log" not in doc and "care_team" not in doc  # the policy: hers alone to read
    assert len(doc["intake"]) == 2
    clinician.get(f"/api/v1/patients/{patient.id}/export", headers=FHIR)
    log = patient.get(f"{ME}/access-log?limit=200").json["items"]
    exports = [(e["action"], e["actor"]["id"]) for e in log if e["resource"] == "export"]
    assert exports == [("read", clinician.id)] * 2


def test_the_patients_own_export_is_not_logged(team):
    patient, _ = team
    before = patient.get(f"{ME}/access-log?limit=200").json["items"]
    patient.get(f"{ME}/export")
    patient.get(f"{ME}/export", headers=FHIR)
    assert patient.get(f"{ME}/access-log?limit=200").json["items"] == before


@pytest.mark.parametrize("headers", [{}, FHIR])
def test_another_patient_or_an_outside_clinician_gets_a_404(auth, team, headers):
    patient, _ = team
    for stranger in (auth.as_patient(), auth.as_clinician()):
        assert_problem(stranger.get(f"/api/v1/patients/{patient.id}/export", headers=headers), 404, "not-found")
    assert_problem(patient.get(f"/api/v1/patients/{uuid.uuid4()}/export"), 404, "not-found")


@pytest.mark.parametrize("accept", ["text/csv", "application/xml", "application/json;q=0, text/html"])
def test_an_accept_it_cannot_answer_is_a_406(team, accept):
    patient, _ = team
    assert_problem(patient.get(f"{ME}/export", headers={"Accept": accept}), 406, "not-acceptable")


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [("*/*", "application/json"), ("application/*", "application/json"),
     ("application/fhir+json", "application/fhir+json"),
     ("application/json;q=0.5, application/fhir+json", "application/fhir+json")],
)  # fmt: skip
def test_the_accept_header_chooses_the_format(team, accept, mimetype):
    patient, _ = team
    assert patient.get(f"{ME}/export", headers={"Accept": accept}).mimetype == mimetype


def validated(response) -> Bundle:
    """The bundle the endpoint answered, parsed and validated by fhir.resources' R4B models."""
    assert response.status_code == 200 and response.mimetype == "application/fhir+json", response.data[:300]
    bundle = Bundle.model_validate_json(response.get_data())
    assert bundle.type == "collection"
    return bundle


def counts(bundle: Bundle) -> Counter:
    return Counter(entry.resource.get_resource_type() for entry in bundle.entry)


def codes(bundle: Bundle) -> Counter:
    return Counter(
        (coding.system, coding.code)
        for entry in bundle.entry
        if entry.resource.get_resource_type() == "Observation"
        for coding in entry.resource.code.coding
    )


def test_the_fhir_bundle_validates_with_the_expected_resources_and_codes(team):
    patient, _ = team
    bundle = validated(patient.get(f"{ME}/export", headers=FHIR))
    # 1 day of intake (calcium, vitamin D), 1 of exercise, 1 of habits (alcohol, cigarettes), smoking status,
    # 5 values of the scan, 1 lab
    assert counts(bundle) == {
        "Patient": 1, "Observation": 2 + 1 + 2 + 1 + 5 + 1, "Appointment": 1, "CarePlan": 1,
        "MedicationStatement": 2,  # denosumab, and exemestane from the care plan
    }  # fmt: skip
    loinc = {code for system, code in codes(bundle) if system == "http://loinc.org"}
    assert loinc == {"68516-4", "74013-4", "72166-2", "38267-1", "38264-8", "62292-8"}
    ours = {code for system, code in codes(bundle) if system.startswith("https://bonecare.dev/")}
    assert ours == {
        "calcium-intake-per-day", "vitamin-d-intake-per-day", "cigarettes-per-day", "femoral-neck-t-score",
        "frax-major-osteoporotic", "vertebral-fractures",
    }  # fmt: skip
    by_code = {
        e.resource.code.coding[0].code: e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "Observation"
    }
    assert by_code["calcium-intake-per-day"].valueQuantity.value == 750
    assert by_code["68516-4"].valueQuantity.value == 65 and len(by_code["68516-4"].component) == 2
    assert float(by_code["38267-1"].valueQuantity.value) == -2.6
    assert float(by_code["62292-8"].valueQuantity.value) == 20.03 and by_code["62292-8"].valueQuantity.unit == "ng/mL"
    assert by_code["72166-2"].valueCodeableConcept.text == "former"


def test_every_reference_in_the_bundle_is_a_urn_of_one_of_its_entries(team):
    patient, _ = team
    body = patient.get(f"{ME}/export", headers=FHIR).json
    full_urls = {entry["fullUrl"] for entry in body["entry"]}
    assert all(url.startswith("urn:uuid:") for url in full_urls) and len(full_urls) == len(body["entry"])
    references = set()

    def walk(node):
        if isinstance(node, dict):
            references.update([node["reference"]] if "reference" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body["entry"])
    assert references == {f"urn:uuid:{patient.id}"} and references <= full_urls
    assert json.dumps(body).count(f"urn:uuid:{patient.id}") > 10


def test_each_part_is_what_its_own_get_answers(team):
    patient, _ = team
    doc = patient.get(f"{ME}/export").json
    assert doc["profile"] == patient.get(ME).json
    assert doc["care_plan"] == patient.get(f"{ME}/care-plan").json
    for section, path in (("intake", "intake"), ("exercise", "exercise"), ("dxa_appointments", "dxa/appointments")):
        for record in doc[section]:
            assert record == patient.get(f"{ME}/{path}/{record['id']}").json
    assert doc["habits"] == [patient.get(f"{ME}/habits/2026-06-14").json]
    assert doc["devices"] == patient.get(f"{ME}/devices").json["items"]
    assert doc["reminders"] == patient.get(f"{ME}/reminders").json["items"]
    assert doc["treatments"] == patient.get(f"{ME}/treatments").json["items"]
