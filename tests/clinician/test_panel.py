"""The clinician's panel: rows, sort, filter, pagination, CSV, access log, constant statements."""

import base64
import csv
import io

import pytest

from tests.counting import count_statements
from tests.factories import enrol
from tests.problems import assert_problem

NORMAL_DXA = {"performed_on": "2026-01-10", "lumbar_spine_t": -1.0, "total_hip_t": -0.5}


def post(clinician, patient, tail, body):
    assert clinician.post(f"/api/v1/patients/{patient.id}/{tail}", json=body).status_code == 201


@pytest.fixture
def clinic(auth, clock):
    """Alice: no DXA or lab (urgent); Bea: nothing to flag; Cora: near threshold, low vitamin D,
    booked, logs calcium only; Dee: a smoker who logs nothing."""
    clock.set("2026-03-08T12:00:00Z")
    clinician = auth.as_clinician()
    alice = enrol(auth, clinician, "Alice", timezone="America/New_York")
    bea = enrol(auth, clinician, "Bea", timezone="Asia/Tokyo")
    cora = enrol(auth, clinician, "Cora", vitamin_d=0)
    dee = enrol(auth, clinician, "Dee", calcium=0, vitamin_d=0)
    assert dee.patch("/api/v1/patients/me", json={"smoking_status": "current"}).status_code == 200
    for patient in (bea, cora, dee):
        post(clinician, patient, "labs", {"measured_on": "2026-02-01", "vitamin_d_25oh_ng_ml": 30})
        post(clinician, patient, "dxa/results", NORMAL_DXA)
    post(clinician, cora, "labs", {"measured_on": "2026-03-01", "vitamin_d_25oh_ng_ml": 15})
    post(clinician, cora, "dxa/results", {"performed_on": "2026-02-01", "total_hip_t": -2.2})
    post(clinician, cora, "dxa/appointments", {"scheduled_for": "2027-03-01"})
    post(clinician, alice, "dxa/appointments", {"scheduled_for": "2026-04-01"})
    return clinician, {"Alice": alice, "Bea": bea, "Cora": cora, "Dee": dee}


def names(page):
    return [row["patient"]["display_name"] for row in page["items"]]


def test_one_row_per_patient_with_adherence_flags_and_next_dxa(clinic):
    clinician, _ = clinic
    rows = {r["patient"]["display_name"]: r for r in clinician.get("/api/v1/clinician/patients").json["items"]}
    assert set(rows) == {"Alice", "Bea", "Cora", "Dee"}
    assert rows["Alice"]["flags"] == [
        {"code": "BASELINE_DXA_MISSING", "severity": "urgent"},
        {"code": "VITAMIN_D_UNKNOWN", "severity": "warning"},
    ]
    assert rows["Alice"]["next_dxa_appointment"]["scheduled_for"] == "2026-04-01"
    assert rows["Alice"]["next_dxa_due"] is None
    assert (rows["Bea"]["flags"], rows["Bea"]["max_severity"]) == ([], None)
    assert rows["Bea"]["next_dxa_due"] == "2028-01-10"
    assert [f["code"] for f in rows["Cora"]["flags"]] == [
        "LOW_VITAMIN_D_ADHERENCE",
        "VITAMIN_D_DEFICIENT",
        "NEAR_THRESHOLD",
    ]
    assert rows["Cora"]["next_dxa_due"] == "2027-02-01"
    cora = rows["Cora"]["adherence"]
    assert (cora["calcium_pct"], cora["vitamin_d_pct"], cora["score"], cora["days"]) == (100.0, 0.0, 50.0, 1)
    assert rows["Dee"]["max_severity"] == "warning"
    assert "SMOKER" in [f["code"] for f in rows["Dee"]["flags"]]


def test_sorts(clinic):
    clinician, _ = clinic
    get = lambda sort: names(clinician.get(f"/api/v1/clinician/patients?sort={sort}").json)  # noqa: E731
    # urgent first; then warnings (three flags each, so by name); no flag last
    assert get("severity") == ["Alice", "Cora", "Dee", "Bea"]
    assert get("adherence") == ["Dee", "Cora", "Alice", "Bea"]
    assert get("-adherence") == ["Alice", "Bea", "Cora", "Dee"]
    assert get("next_dxa") == ["Alice", "Cora", "Bea", "Dee"]
    assert get("name") == ["Alice", "Bea", "Cora", "Dee"]


def test_filter_by_flag(clinic):
    clinician, _ = clinic
    assert names(clinician.get("/api/v1/clinician/patients?flag=SMOKER").json) == ["Dee"]
    assert names(clinician.get("/api/v1/clinician/patients?flag=NEAR_THRESHOLD").json) == ["Cora"]
    assert names(clinician.get("/api/v1/clinician/patients?flag=EXCESS_CALCIUM").json) == []


@pytest.mark.parametrize("sort", ["severity", "adherence", "-adherence", "next_dxa", "name"])
def test_pages_follow_the_sort_to_the_end(clinic, sort):
    clinician, _ = clinic
    whole = names(clinician.get(f"/api/v1/clinician/patients?sort={sort}").json)
    seen, cursor = [], None
    while True:
        query = f"sort={sort}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = clinician.get(f"/api/v1/clinician/patients?{query}").json
        seen += names(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole


def test_a_cursor_of_another_sort_is_refused(clinic):
    clinician, _ = clinic
    cursor = clinician.get("/api/v1/clinician/patients?sort=name&limit=1").json["next_cursor"]
    assert_problem(
        clinician.get(f"/api/v1/clinician/patients?sort=adherence&cursor={cursor}"), 422, "validation-error", "cursor"
    )


def test_csv_on_request(clinic):
    clinician, _ = clinic
    response = clinician.client.get(
        "/api/v1/clinician/patients?sort=name&limit=3", headers={**clinician.headers, "Accept": "text/csv"}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["display_name"] for r in rows] == ["Alice", "Bea", "Cora"]
    assert rows[0]["flags"] == "BASELINE_DXA_MISSING;VITAMIN_D_UNKNOWN"
    assert rows[0]["next_dxa_appointment"] == "2026-04-01" and rows[1]["next_dxa_appointment"] == ""
    assert rows[2]["calcium_pct"] == "100.0" and rows[2]["vitamin_d_pct"] == "0.0"
    assert 'rel="next"' in response.headers["Link"] and "sort=name" in response.headers["Link"]


def test_csv_cells_never_run_as_formulas(auth, clinic):
    clinician, patients = clinic
    patients["Bea"].patch("/api/v1/patients/me", json={"display_name": '=HYPERLINK("http://x")'})
    response = clinician.client.get(
        "/api/v1/clinician/patients?sort=name", headers={**clinician.headers, "Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert '\'=HYPERLINK("http://x")' in [r["display_name"] for r in rows]


def test_each_patient_shown_gets_an_access_log_entry(clinic):
    clinician, patients = clinic
    page = clinician.get("/api/v1/clinician/patients?sort=name&limit=2").json
    assert names(page) == ["Alice", "Bea"]
    alice_log = patients["Alice"].get("/api/v1/patients/me/access-log").json["items"]
    assert [(e["resource"], e["action"], e["actor"]["id"]) for e in alice_log if e["resource"] == "panel"] == [
        ("panel", "read", clinician.id)
    ]
    cora_log = patients["Cora"].get("/api/v1/patients/me/access-log").json["items"]
    assert all(e["resource"] != "panel" for e in cora_log)


def test_a_clinician_sees_only_her_own_patients(auth, clinic):
    other = auth.as_clinician()
    assert other.get("/api/v1/clinician/patients").json == {"items": [], "next_cursor": None}


def test_the_window_changes_adherence_but_not_the_flags(clinic, clock):
    clinician, _ = clinic
    clock.set("2026-03-10T12:00:00Z")
    rows = {
        r["patient"]["display_name"]: r for r in clinician.get("/api/v1/clinician/patients?window_days=1").json["items"]
    }
    assert rows["Bea"]["adherence"]["calcium_pct"] == 0.0 and rows["Bea"]["adherence"]["window_days"] == 1
    assert rows["Bea"]["flags"] == [
        {"code": "LOW_CALCIUM_ADHERENCE", "severity": "warning"},
        {"code": "LOW_VITAMIN_D_ADHERENCE", "severity": "warning"},
    ]


def test_patients_may_not_see_a_panel(auth):
    assert_problem(auth.as_patient().get("/api/v1/clinician/patients"), 403, "forbidden")
    assert_problem(auth.anonymous().get("/api/v1/clinician/patients"), 401, "token-missing")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=age", "sort"),
        ("flag=NOPE", "flag"),
        ("window_days=0", "window_days"),
        ("window_days=367", "window_days"),
        ("limit=201", "limit"),
        ("cursor=%%%", "cursor"),
        ("colour=red", "colour"),
    ],
)
def test_bad_queries_are_422(clinic, query, field):
    clinician, _ = clinic
    assert_problem(clinician.get(f"/api/v1/clinician/patients?{query}"), 422, "validation-error", field)


def test_statement_count_does_not_grow_with_the_panel(app, auth, clinic):
    clinician, _ = clinic
    few = count_statements(app, lambda: clinician.get("/api/v1/clinician/patients?window_days=90"))
    for n in range(4):
        enrol(auth, clinician, f"Extra {n}")
    many = count_statements(app, lambda: clinician.get("/api/v1/clinician/patients?window_days=90"))
    assert few == many


def _csv(clinician, query="sort=name", **headers):
    return clinician.client.get(
        f"/api/v1/clinician/patients?{query}", headers={**clinician.headers, "Accept": "text/csv", **headers}
    )


@pytest.mark.parametrize(
    "name",
    ["\n=1+1", "\r=1+1", " =1+1", "\u3000=1+1", '\uff1dHYPERLINK("http://x")', "\uff0b1", "\uff0d1", "\uff20SUM(A1)"],
)
def test_csv_cells_behind_a_blank_or_in_full_width_never_run_as_formulas(clinic, name):
    clinician, patients = clinic
    assert patients["Bea"].patch("/api/v1/patients/me", json={"display_name": name}).status_code == 200
    rows = list(csv.DictReader(io.StringIO(_csv(clinician).get_data(as_text=True))))
    assert "'" + name in [r["display_name"] for r in rows]


def test_csv_link_is_built_from_the_public_url_not_the_host_header(app, clinic, monkeypatch):
    clinician, _ = clinic
    monkeypatch.setitem(app.config, "BONECARE_PUBLIC_URL", "https://api.bonecare.example")
    link = _csv(clinician, "sort=name&limit=1", Host="evil.example").headers["Link"]
    assert link.startswith("<https://api.bonecare.example/api/v1/clinician/patients?") and "evil" not in link
    monkeypatch.setitem(app.config, "BONECARE_PUBLIC_URL", None)
    monkeypatch.setattr(app, "testing", False)
    link = _csv(clinician, "sort=name&limit=1", Host="evil.example").headers["Link"]
    assert link.startswith("</api/v1/clinician/patients?") and "evil" not in link  # relative: nothing echoed


def test_panel_cursors_hide_names_and_refuse_tampering(clinic):
    clinician, _ = clinic
    cursor = clinician.get("/api/v1/clinician/patients?sort=name&limit=1").json["next_cursor"]
    assert "alice" not in base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("latin-1").lower()
    assert names(clinician.get(f"/api/v1/clinician/patients?sort=name&limit=1&cursor={cursor}").json) == ["Bea"]
    tampered = cursor[:-6] + ("A" if cursor[-6] != "A" else "B") + cursor[-5:]
    forged = base64.urlsafe_b64encode(b'["name", "alice", "00000000-0000-0000-0000-000000000000"]').decode()
    for bad in (tampered, forged.rstrip("=")):
        response = clinician.get(f"/api/v1/clinician/patients?sort=name&cursor={bad}")
        assert_problem(response, 422, "validation-error", "cursor")
