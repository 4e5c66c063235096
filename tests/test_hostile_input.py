"""Hostile and out-of-range input gets a clear 4xx problem, never a 500 and never a half-written record."""

import uuid

import pytest

from bonecare.web.paging import encode_cursor
from tests.problems import assert_problem

API = "/api/v1"
ME = f"{API}/patients/me"
NEW_PATIENT = '{"email": "new@example.org", "password": "a long secret", "display_name": "New", "timezone": "UTC"'


def _post_raw(caller, path, text):
    return caller.client.post(path, data=text, content_type="application/json", headers=caller.headers)


@pytest.mark.parametrize("path", [f"{API}/auth/login", f"{API}/auth/register"])
def test_a_deeply_nested_body_is_a_400_before_sign_in(auth, path):
    assert_problem(_post_raw(auth.anonymous(), path, "[" * 1000), 400, "bad-request")
    assert_problem(_post_raw(auth.anonymous(), path, '{"a":' * 40 + "1" + "}" * 40), 400, "bad-request")


@pytest.mark.parametrize(
    "number", ["9" * 5000, "1" + "0" * 400, "1e400", "-1e400", "NaN", "Infinity"], ids=lambda n: n[:8]
)
def test_numbers_no_field_could_hold_are_a_400(auth, number):
    patient = auth.as_patient()
    body = f'{{"taken_at": "2026-01-01T08:00:00Z", "source": "supplement", "calcium_mg": {number}}}'
    assert_problem(_post_raw(patient, f"{ME}/intake", body), 400, "bad-request")
    assert patient.get(f"{ME}/intake").json["items"] == []


@pytest.mark.parametrize("text", ["\\ud800", "x\\udfff", "\\u0000", "ok\\u0000"], ids=["lead", "trail", "nul", "nul2"])
def test_nul_and_lone_surrogates_are_a_422_naming_the_field(auth, text):
    login = f'{{"email": "a@example.org", "password": "{text}"}}'
    assert_problem(_post_raw(auth.anonymous(), f"{API}/auth/login", login), 422, "validation-error", "password")
    register = NEW_PATIENT.replace('"New"', f'"{text}"') + "}"
    assert_problem(
        _post_raw(auth.anonymous(), f"{API}/auth/register", register), 422, "validation-error", "display_name"
    )
    patient = auth.as_patient()
    intake = f'{{"taken_at": "2026-01-01T08:00:00Z", "source": "supplement", "calcium_mg": 500, "note": "{text}"}}'
    assert_problem(_post_raw(patient, f"{ME}/intake", intake), 422, "validation-error", "note")
    device = f'{{"platform": "fcm", "token": "fcm-{text}"}}'
    assert_problem(_post_raw(patient, f"{ME}/devices", device), 422, "validation-error", "token")
    assert patient.get(f"{ME}/intake").json["items"] == []


def test_a_bad_key_is_refused_too(auth):
    patient = auth.as_patient()
    body = '{"taken_at": "2026-01-01T08:00:00Z", "source": "supplement", "calcium_mg": 500, "\\ud800": 1}'
    assert_problem(_post_raw(patient, f"{ME}/intake", body), 422, "validation-error")


def test_paired_surrogates_are_text_like_any_other(auth):
    patient = auth.as_patient()
    body = '{"taken_at": "2026-01-01T08:00:00Z", "source": "supplement", "calcium_mg": 500, "note": "\\ud83e\\uddb4"}'
    response = _post_raw(patient, f"{ME}/intake", body)
    assert response.status_code == 201, response.json
    assert response.json["note"] == "\N{BONE}"


@pytest.mark.parametrize("taken_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "1899-12-31T23:59:59Z"])
def test_an_instant_outside_the_supported_years_is_a_422(auth, taken_at):
    patient = auth.as_patient(timezone="America/New_York")
    body = {"taken_at": taken_at, "source": "supplement", "calcium_mg": 500}
    assert_problem(patient.post(f"{ME}/intake", json=body), 422, "validation-error", "taken_at")
    assert_problem(
        patient.post(f"{ME}/exercise", json={"started_at": taken_at, "duration_min": 30, "kind": "balance"}),
        422,
        "validation-error",
        "started_at",
    )


@pytest.mark.parametrize("query", ["to=0001-01-01", "from=0001-01-01", "from=9999-12-31", "to=9999-12-31"])
def test_a_date_outside_the_supported_years_is_a_422(auth, query):
    patient = auth.as_patient(timezone="America/New_York")
    body = assert_problem(patient.get(f"{ME}/adherence?{query}"), 422, "validation-error")
    assert set(body["errors"]) <= {"from", "to"}
    assert_problem(patient.get(f"{ME}/intake?{query}"), 422, "validation-error")


def test_a_habits_day_outside_the_supported_years_is_a_422(auth):
    patient = auth.as_patient(timezone="America/New_York")
    for day in ("0001-01-01", "9999-12-31"):
        assert_problem(
            patient.put(f"{ME}/habits/{day}", json={"cigarettes": 0, "alcohol_drinks": 0}),
            422,
            "validation-error",
            "date",
        )


@pytest.mark.parametrize("path", ["intake", "exercise", "reminders", "notifications", "access-log", "care-team"])
def test_a_forged_cursor_with_a_naive_instant_is_a_422(auth, ctx, path):
    patient = auth.as_patient()
    cursor = encode_cursor(["2026-01-01T00:00:00", str(uuid.uuid4())])
    assert_problem(patient.get(f"{ME}/{path}?cursor={cursor}"), 422, "validation-error", "cursor")


@pytest.mark.parametrize(
    "taken_at",
    [
        "20260101T080000Z",
        "2026-01-01 08:00:00Z",
        "2026-01-01T08:00Z",
        "2026-01-01T08:00:00+0530",
        "2026-W01-4T08:00:00Z",
    ],
)
def test_an_instant_python_reads_but_rfc_3339_does_not_is_a_422(auth, taken_at):
    patient = auth.as_patient()
    body = {"taken_at": taken_at, "source": "supplement", "calcium_mg": 500}
    problem = assert_problem(patient.post(f"{ME}/intake", json=body), 422, "validation-error", "taken_at")
    assert "RFC 3339" in problem["errors"]["taken_at"][0]
    assert patient.get(f"{ME}/intake").json["items"] == []


@pytest.mark.parametrize("day", ["20260101", "2026-W01-4"])
def test_a_date_python_reads_but_rfc_3339_does_not_is_a_422(auth, day):
    patient = auth.as_patient()
    assert_problem(patient.get(f"{ME}/intake?from={day}"), 422, "validation-error", "from")


def test_the_year_of_an_instant_is_the_one_it_states(auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    # 1899-12-31 in UTC, but stated as a day of 1900: the spec's pattern reads the stated date, and so does the server.
    body = {"taken_at": "1900-01-01T00:30:00+01:00", "source": "supplement", "calcium_mg": 500}
    assert patient.post(f"{ME}/intake", json=body).status_code == 201
    body["taken_at"] = "1899-12-31T23:30:00-01:00"  # 1900-01-01 in UTC, stated as 1899
    assert_problem(patient.post(f"{ME}/intake", json=body), 422, "validation-error", "taken_at")


@pytest.mark.parametrize("path", [ME, f"{ME}/reminders/{uuid.UUID(int=1)}"])
def test_a_patch_without_a_body_is_a_422(auth, path):
    patient = auth.as_patient()
    response = patient.client.patch(path, headers=patient.headers)
    assert "needs a JSON body" in assert_problem(response, 422, "validation-error")["detail"]


def test_a_post_without_its_body_is_a_422_and_an_optional_one_may_be_left_out(auth):
    patient = auth.as_patient()
    assert_problem(patient.post(f"{ME}/intake"), 422, "validation-error")
    assert auth.as_clinician().post(f"{API}/invitations").status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("reminders", {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": 0}, "skip_if_done"),
        ("reminders", {"kind": "supplement", "time_of_day": "08:00", "enabled": "yes"}, "enabled"),
        ("intake", {"taken_at": "2026-01-01T08:00:00Z", "source": "diet", "calcium_mg": "500"}, "calcium_mg"),
        ("intake", {"taken_at": "2026-01-01T08:00:00Z", "source": "diet", "calcium_mg": True}, "calcium_mg"),
        ("exercise", {"started_at": "2026-01-01T08:00:00Z", "kind": "balance", "duration_min": 30.5}, "duration_min"),
        (
            "reminders",
            {"kind": "supplement", "time_of_day": "08:00", "log_on_done": {"source": "diet", "calcium_mg": "1"}},
            "log_on_done.calcium_mg",
        ),
    ],
)
def test_a_body_field_of_another_json_type_is_a_422_naming_it(auth, clock, path, body, field):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    problem = assert_problem(patient.post(f"{ME}/{path}", json=body), 422, "validation-error", field)
    assert field in problem["detail"]
    assert patient.get(f"{ME}/{path}").json["items"] == []


def test_a_query_flag_is_still_read_from_its_text(auth):
    patient = auth.as_patient()
    assert patient.get(f"{ME}/intake?include_deleted=true").status_code == 200
