"""DXA appointments (the 12-month rule), DXA results and vitamin D labs over HTTP."""

import uuid

import pytest

from tests.problems import assert_problem

RESULT = {"performed_on": "2026-01-10", "lumbar_spine_t": -2.1, "total_hip_t": -1.5}


def url(patient, tail):
    return f"/api/v1/patients/{patient.id}/{tail}"


def test_a_clinician_records_results_and_everyone_on_the_record_reads_them(care):
    patient, clinician = care
    created = clinician.post(
        url(patient, "dxa/results"), json={**RESULT, "frax_major_pct": 12.5, "vertebral_fractures": 1}
    )
    assert created.status_code == 201
    assert created.json["created_by"] == clinician.id and created.json["femoral_neck_t"] is None
    page = patient.get("/api/v1/patients/me/dxa/results").json
    assert [r["id"] for r in page["items"]] == [created.json["id"]] and page["next_cursor"] is None


def test_a_repeat_scan_within_12_months_needs_a_reason(care):
    patient, clinician = care
    assert clinician.post(url(patient, "dxa/results"), json=RESULT).status_code == 201
    body = assert_problem(
        clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2027-01-09"}),
        422,
        "validation-error",
        "scheduled_for",
    )
    assert "2026-01-10" in body["detail"] and "override_reason" in body["detail"]
    assert clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2027-01-10"}).status_code == 201
    sooner = {"scheduled_for": "2026-06-01", "override_reason": "new vertebral fracture"}
    assert clinician.post(url(patient, "dxa/appointments"), json=sooner).status_code == 201


def test_the_12_month_rule_clamps_to_the_end_of_february(auth, clock):
    clock.set("2024-03-01T12:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    clinician = auth.as_clinician(patient=patient)
    clinician.post(url(patient, "dxa/results"), json={"performed_on": "2024-02-29", "lumbar_spine_t": -1.0})
    too_soon = clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2025-02-27"})
    assert_problem(too_soon, 422, "validation-error", "scheduled_for")
    assert clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2025-02-28"}).status_code == 201


def test_without_a_result_any_future_date_is_fine_but_not_a_past_one(care):
    patient, clinician = care
    assert clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2026-03-08"}).status_code == 201
    assert_problem(
        clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2026-03-07"}),
        422,
        "validation-error",
        "scheduled_for",
    )


def test_moving_an_appointment_checks_the_rule_again(care):
    patient, clinician = care
    clinician.post(url(patient, "dxa/results"), json=RESULT)
    appt = clinician.post(
        url(patient, "dxa/appointments"), json={"scheduled_for": "2027-02-01", "location": "Radiology"}
    ).json
    item = url(patient, f"dxa/appointments/{appt['id']}")
    assert_problem(
        clinician.patch(item, json={"scheduled_for": "2026-12-01"}), 422, "validation-error", "scheduled_for"
    )
    moved = clinician.patch(item, json={"scheduled_for": "2026-12-01", "override_reason": "steroids started"})
    assert moved.status_code == 200
    assert (moved.json["scheduled_for"], moved.json["location"]) == ("2026-12-01", "Radiology")
    # dropping the reason of a too-early appointment is refused too
    assert_problem(clinician.patch(item, json={"override_reason": None}), 422, "validation-error", "scheduled_for")
    assert clinician.patch(item, json={"note": "fasting not needed"}).json["note"] == "fasting not needed"


def test_cancelling_leaves_a_tombstone(care):
    patient, clinician = care
    appt = clinician.post(url(patient, "dxa/appointments"), json={"scheduled_for": "2026-05-01"}).json
    item = url(patient, f"dxa/appointments/{appt['id']}")
    assert clinician.delete(item).status_code == 204
    assert clinician.delete(item).status_code == 204
    assert patient.get("/api/v1/patients/me/dxa/appointments").json["items"] == []
    (tombstone,) = patient.get("/api/v1/patients/me/dxa/appointments?include_deleted=true").json["items"]
    assert tombstone["deleted_at"] == "2026-03-08T12:00:00Z"
    assert_problem(clinician.get(item), 404, "not-found")
    assert_problem(clinician.patch(item, json={"note": "x"}), 404, "not-found")


def test_a_retry_with_the_same_id_is_stored_once(care):
    patient, clinician = care
    lab = {"id": str(uuid.uuid4()), "measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 18.5}
    assert clinician.post(url(patient, "labs"), json=lab).status_code == 201
    assert clinician.post(url(patient, "labs"), json=lab).status_code == 200
    assert len(patient.get("/api/v1/patients/me/labs").json["items"]) == 1
    assert_problem(clinician.post(url(patient, "labs"), json={**lab, "vitamin_d_25oh_ng_ml": 30}), 409, "conflict")


def test_lists_are_paginated(care):
    patient, clinician = care
    for day in range(1, 6):
        clinician.post(url(patient, "labs"), json={"measured_on": f"2026-02-0{day}", "vitamin_d_25oh_ng_ml": day})
    first = patient.get("/api/v1/patients/me/labs?limit=2").json
    second = patient.get(f"/api/v1/patients/me/labs?limit=2&cursor={first['next_cursor']}").json
    third = patient.get(f"/api/v1/patients/me/labs?limit=2&cursor={second['next_cursor']}").json
    days = [lab["measured_on"] for page in (first, second, third) for lab in page["items"]]
    assert days == ["2026-02-05", "2026-02-04", "2026-02-03", "2026-02-02", "2026-02-01"]
    assert third["next_cursor"] is None
    assert_problem(patient.get("/api/v1/patients/me/labs?cursor=nonsense"), 422, "validation-error", "cursor")
    assert_problem(patient.get("/api/v1/patients/me/labs?limit=201"), 422, "validation-error", "limit")


@pytest.mark.parametrize("tail", ["dxa/results", "labs", "dxa/appointments"])
def test_patients_may_read_but_not_write(care, tail):
    patient, _ = care
    body = {
        "dxa/results": RESULT,
        "labs": {"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 30},
        "dxa/appointments": {"scheduled_for": "2026-06-01"},
    }[tail]
    assert_problem(patient.post(f"/api/v1/patients/me/{tail}", json=body), 403, "forbidden")
    assert patient.get(f"/api/v1/patients/me/{tail}").status_code == 200


def test_clinicians_off_the_care_team_get_404(auth, care):
    patient, _ = care
    stranger = auth.as_clinician()
    assert_problem(stranger.get(url(patient, "dxa/results")), 404, "not-found")
    assert_problem(
        stranger.post(url(patient, "labs"), json={"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 30}),
        404,
        "not-found",
    )


def test_a_result_may_be_dated_today_in_the_patients_zone_but_not_tomorrow(auth, clock):
    clock.set("2026-03-08T03:00:00Z")  # still 2026-03-07 in Los Angeles
    patient = auth.as_patient(timezone="America/Los_Angeles")
    clinician = auth.as_clinician(patient=patient)
    assert_problem(
        clinician.post(url(patient, "dxa/results"), json={**RESULT, "performed_on": "2026-03-08"}),
        422,
        "validation-error",
        "performed_on",
    )
    assert clinician.post(url(patient, "dxa/results"), json={**RESULT, "performed_on": "2026-03-07"}).status_code == 201
    assert_problem(
        clinician.post(url(patient, "labs"), json={"measured_on": "2026-03-08", "vitamin_d_25oh_ng_ml": 30}),
        422,
        "validation-error",
        "measured_on",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"performed_on": "2026-01-10"}, "lumbar_spine_t"),
        ({"performed_on": "2026-01-10", "lumbar_spine_t": None, "total_hip_t": None}, "lumbar_spine_t"),
        ({**RESULT, "lumbar_spine_t": -7.1}, "lumbar_spine_t"),
        ({**RESULT, "total_hip_t": 5.1}, "total_hip_t"),
        ({**RESULT, "femoral_neck_t": "low"}, "femoral_neck_t"),
        ({**RESULT, "frax_major_pct": 100.5}, "frax_major_pct"),
        ({**RESULT, "frax_hip_pct": -1}, "frax_hip_pct"),
        ({**RESULT, "vertebral_fractures": -1}, "vertebral_fractures"),
        ({**RESULT, "vertebral_fractures": 1.5}, "vertebral_fractures"),
        ({**RESULT, "performed_on": "2026-01-10T00:00:00Z"}, "performed_on"),
        ({**RESULT, "bmd": 0.8}, "bmd"),
        ({"lumbar_spine_t": -1.0}, "performed_on"),
    ],
)
def test_invalid_results_are_422(care, body, field):
    patient, clinician = care
    assert_problem(clinician.post(url(patient, "dxa/results"), json=body), 422, "validation-error", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 250.1}, "vitamin_d_25oh_ng_ml"),
        ({"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": -0.1}, "vitamin_d_25oh_ng_ml"),
        ({"measured_on": "2026-03-01"}, "vitamin_d_25oh_ng_ml"),
        ({"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 30, "unit": "ng/mL"}, "unit"),
        ({"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 30, "value": 30}, "value"),
        ({"measured_on": "2026-03-01"}, "value"),
        ({"measured_on": "2026-03-01", "value": 30}, "unit"),
        ({"measured_on": "2026-03-01", "unit": "ng/mL"}, "value"),
        ({"measured_on": "2026-03-01", "value": 30, "unit": "mg/dL"}, "unit"),
        ({"measured_on": "2026-03-01", "value": 250.1, "unit": "ng/mL"}, "value"),
        ({"measured_on": "2026-03-01", "value": 624.1, "unit": "nmol/L"}, "value"),
        ({"measured_on": "2026-03-01", "value": -0.1, "unit": "nmol/L"}, "value"),
    ],
)
def test_invalid_labs_are_422(care, body, field):
    patient, clinician = care
    assert_problem(clinician.post(url(patient, "labs"), json=body), 422, "validation-error", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scheduled_for"),
        ({"scheduled_for": "next week"}, "scheduled_for"),
        ({"scheduled_for": "2026-06-01", "location": "x" * 201}, "location"),
        ({"scheduled_for": "2026-06-01", "override_reason": "x" * 501}, "override_reason"),
        ({"scheduled_for": "2026-06-01", "reminder": True}, "reminder"),
    ],
)
def test_invalid_appointments_are_422(care, body, field):
    patient, clinician = care
    assert_problem(clinician.post(url(patient, "dxa/appointments"), json=body), 422, "validation-error", field)


def test_boundary_values_are_accepted(care):
    patient, clinician = care
    edge = {
        "performed_on": "2026-01-10",
        "lumbar_spine_t": -7,
        "total_hip_t": 5,
        "frax_major_pct": 0,
        "frax_hip_pct": 100,
        "vertebral_fractures": 0,
    }
    assert clinician.post(url(patient, "dxa/results"), json=edge).status_code == 201
    for level in (0, 250):
        lab = {"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": level}
        assert clinician.post(url(patient, "labs"), json=lab).status_code == 201
    for value, unit in ((250, "ng/mL"), (624, "nmol/L"), (0, "nmol/L")):
        lab = {"measured_on": "2026-03-01", "value": value, "unit": unit}
        assert clinician.post(url(patient, "labs"), json=lab).status_code == 201


@pytest.mark.parametrize(
    ("body", "value", "unit", "ng_ml", "nmol_l"),
    [
        ({"value": 40, "unit": "nmol/L"}, 40, "nmol/L", 16.03, 40),
        ({"value": 60, "unit": "nmol/L"}, 60, "nmol/L", 24.04, 60),
        ({"value": 20, "unit": "ng/mL"}, 20, "ng/mL", 20, 49.9),
        ({"vitamin_d_25oh_ng_ml": 20}, 20, "ng/mL", 20, 49.9),  # the older form, still accepted
    ],
)
def test_labs_are_stored_as_reported_and_answered_in_both_units(care, body, value, unit, ng_ml, nmol_l):
    patient, clinician = care
    created = clinician.post(url(patient, "labs"), json={"measured_on": "2026-03-01", **body})
    assert created.status_code == 201, created.json
    listed = patient.get("/api/v1/patients/me/labs").json["items"][0]
    for lab in (created.json, listed):
        assert (lab["value"], lab["unit"]) == (value, unit)
        assert (lab["vitamin_d_25oh_ng_ml"], lab["vitamin_d_25oh_nmol_l"]) == (ng_ml, nmol_l)


def test_a_lab_retried_in_its_unit_is_the_same_lab(care):
    patient, clinician = care
    lab = {"id": str(uuid.uuid4()), "measured_on": "2026-03-01", "value": 40, "unit": "nmol/L"}
    assert clinician.post(url(patient, "labs"), json=lab).status_code == 201
    assert clinician.post(url(patient, "labs"), json=lab).status_code == 200
    assert_problem(clinician.post(url(patient, "labs"), json={**lab, "unit": "ng/mL"}), 409, "conflict")


def test_frax_with_bmd_and_a_hip_fracture_are_recorded(care):
    patient, clinician = care
    body = {**RESULT, "frax_hip_pct": 3.4, "frax_with_bmd": False, "hip_fracture": True}
    created = clinician.post(url(patient, "dxa/results"), json=body).json
    assert created["frax_with_bmd"] is False and created["hip_fracture"] is True
    plain = clinician.post(url(patient, "dxa/results"), json={**RESULT, "performed_on": "2026-01-11"}).json
    assert plain["frax_with_bmd"] is None and plain["hip_fracture"] is None
    assert_problem(
        clinician.post(url(patient, "dxa/results"), json={**RESULT, "frax_with_bmd": "maybe"}),
        422,
        "validation-error",
        "frax_with_bmd",
    )
