"""The one-page PDF report, read back with a PDF reader as the patient's doctor would open it."""

import io

import pytest
from pypdf import PdfReader

from tests.factories import log_exercise, log_habits, log_intake
from tests.problems import assert_problem

NAME = "Zoë Łukasik-Ørsted"  # beyond Latin-1: the page's font must carry every letter of a name


def read(response) -> tuple[int, str]:
    """A PDF answer's page count and its text, with whitespace runs made single spaces."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    return len(reader.pages), " ".join("".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def record(auth, clock):
    """A patient in London with a week of logs, two scans, a lab and a treatment, and her clinician."""
    clock.set("2026-03-08T12:00:00Z")
    patient, clinician = auth.care_team("Europe/London")
    assert patient.patch("/api/v1/patients/me", json={"display_name": NAME}).status_code == 200
    log_intake(patient, "2026-03-02T08:00:00Z", calcium=1100, vitamin_d=800)
    log_intake(patient, "2026-03-03T08:00:00Z", calcium=400, vitamin_d=1000)
    log_intake(patient, "2026-03-04T08:00:00Z", calcium=2600, vitamin_d=0)
    log_exercise(patient, "2026-03-03T17:00:00Z", "resistance", 40)
    log_exercise(patient, "2026-03-04T17:00:00Z", "endurance", 30)
    log_habits(patient, "2026-03-05", cigarettes=2, drinks=3)
    base = f"/api/v1/patients/{patient.id}"
    for day, spine in (("2024-01-10", -1.8), ("2026-01-10", -2.6)):
        assert (
            clinician.post(f"{base}/dxa/results", json={"performed_on": day, "lumbar_spine_t": spine}).status_code
            == 201
        )
    assert (
        clinician.post(f"{base}/labs", json={"measured_on": "2026-02-01", "vitamin_d_25oh_ng_ml": 18}).status_code
        == 201
    )
    treatment = {"agent": "zoledronic_acid", "started_on": "2026-02-15"}
    assert clinician.post(f"{base}/treatments", json=treatment).status_code == 201
    return patient, clinician


def test_the_report_is_one_page_with_her_name_the_period_and_her_adherence(record):
    patient, _ = record
    pages, text = read(patient.get("/api/v1/patients/me/report?from=2026-03-02&to=2026-03-08"))
    summary = patient.get("/api/v1/patients/me/adherence?from=2026-03-02&to=2026-03-08").json
    assert pages == 1
    assert NAME in text
    assert "Period: 2026-03-02 to 2026-03-08 (7 days, Europe/London)" in text
    assert "Made 2026-03-08 12:00 UTC" in text
    calcium, vitamin_d = summary["calcium"], summary["vitamin_d"]
    assert (calcium["days_met"], calcium["days"], calcium["days_over_upper_limit"]) == (2, 7, 1)
    assert f"target met on 2 of 7 days ({calcium['pct']} %); mean 585.7 mg a day" in text
    assert f"target met on {vitamin_d['days_met']} of 7 days ({vitamin_d['pct']} %)" in text
    assert "2 days smoked, 2 cigarettes" not in text and "1 days smoked, 2 cigarettes" in text
    assert "3.0 drinks a week on average" in text


def test_the_report_shows_the_scans_labs_treatments_and_flags_she_sees_in_the_app(record):
    patient, _ = record
    _, text = read(patient.get("/api/v1/patients/me/report"))
    assert "2026-01-10 -2.6" in text and "2024-01-10 -1.8" in text  # newest first
    assert text.index("2026-01-10 -2.6") < text.index("2024-01-10 -1.8")
    assert "2026-02-01 18.0 ng/mL" in text
    assert "zoledronic acid 2026-02-15 ongoing" in text
    flags = patient.get("/api/v1/patients/me/assessment").json["flags"]
    assert flags, "the record is meant to raise flags"
    for flag in flags[:2]:
        assert flag["severity"].upper() in text
        assert " ".join(flag["message"].split()[:6]) in text
    assert "Period: 2026-12-09" not in text and "(90 days, Europe/London)" in text  # the default: 90 days


def test_a_clinician_reads_it_in_clinical_words_and_her_access_log_shows_it(record):
    patient, clinician = record
    _, text = read(clinician.get(f"/api/v1/patients/{patient.id}/report"))
    flags = clinician.get(f"/api/v1/patients/{patient.id}/assessment").json["flags"]
    assert " ".join(flags[0]["message"].split()[:6]) in text
    assert "for the patient and her care team" in text
    log = patient.get("/api/v1/patients/me/access-log").json["items"]
    assert ("read", "report") in [(entry["action"], entry["resource"]) for entry in log]


def test_a_long_record_still_fits_one_page_and_counts_what_it_leaves_out(record, auth):
    patient, clinician = record
    base = f"/api/v1/patients/{patient.id}"
    for year in range(2014, 2024):
        assert (
            clinician.post(
                f"{base}/dxa/results", json={"performed_on": f"{year}-06-01", "total_hip_t": -1.0}
            ).status_code
            == 201
        )
    for month in range(1, 10):
        lab = {"measured_on": f"2025-0{month}-01", "vitamin_d_25oh_ng_ml": 30}
        assert clinician.post(f"{base}/labs", json=lab).status_code == 201
    pages, text = read(patient.get("/api/v1/patients/me/report?from=2025-03-09&to=2026-03-08"))
    assert pages == 1
    assert "(365 days, Europe/London)" in text
    assert "and 8 earlier, not shown" in text  # 12 scans, 4 shown
    assert "and 7 earlier, not shown" in text  # 10 labs, 3 shown


def test_only_her_and_her_care_team_may_have_it(record, auth):
    patient, _ = record
    for stranger in (auth.as_patient(), auth.as_clinician()):
        assert_problem(stranger.get(f"/api/v1/patients/{patient.id}/report"), 404, "not-found")
    assert_problem(auth.anonymous().get(f"/api/v1/patients/{patient.id}/report"), 401, "token-missing")


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-03-08&to=2026-03-01", "from"), ("from=2025-01-01&to=2026-03-08", "from"), ("to=2026-13-01", "to")],
)
def test_a_bad_period_is_a_422_naming_the_field(record, query, field):
    patient, _ = record
    assert_problem(patient.get(f"/api/v1/patients/me/report?{query}"), 422, "validation-error", field)
