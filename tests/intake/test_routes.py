"""Intake: validation, idempotent retries, local dates, tombstones, paging and access."""

import concurrent.futures
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bonecare.extensions import db
from bonecare.intake.models import Intake
from tests.counting import statements_of
from tests.problems import assert_problem

URL = "/api/v1/patients/me/intake"
NOW = "2026-06-15T12:00:00+00:00"


def _entry(**overrides):
    body = {"taken_at": "2026-06-15T08:00:00+01:00", "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}
    body.update(overrides)
    return body


@pytest.fixture
def patient(auth, clock):
    clock.set(NOW)
    return auth.as_patient(timezone="Europe/London")


def test_log_intake_returns_the_stored_entry(patient):
    response = patient.post(URL, _entry(product="Calcium carbonate 1250 mg", note="with breakfast"))
    assert response.status_code == 201
    body = response.json
    assert body["taken_at"] == "2026-06-15T07:00:00Z"
    assert body["local_date"] == "2026-06-15"
    assert body["calcium_mg"] == 500 and body["vitamin_d_iu"] == 400
    assert body["deleted_at"] is None
    assert patient.get(f"{URL}/{body['id']}").json == body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"taken_at": "2026-06-15T08:00:00"}, "taken_at"),  # naive: no offset
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"taken_at": None}, "taken_at"),
        ({"calcium_mg": -1}, "calcium_mg"),
        ({"calcium_mg": 5001}, "calcium_mg"),
        ({"vitamin_d_iu": 100001}, "vitamin_d_iu"),
        ({"vitamin_d_iu": -0.5}, "vitamin_d_iu"),
        ({"calcium_mg": 0, "vitamin_d_iu": 0}, "calcium_mg"),
        ({"calcium_mg": "lots"}, "calcium_mg"),
        ({"calcium_mg": True}, "calcium_mg"),
        ({"source": "pharmacy"}, "source"),
        ({"source": None}, "source"),
        ({"product": "x" * 201}, "product"),
        ({"id": "not-a-uuid"}, "id"),
        ({"dose": 2}, "dose"),  # unknown field
    ],
)
def test_validation_matrix(patient, overrides, field):
    assert_problem(patient.post(URL, _entry(**overrides)), 422, "validation-error", field)


def test_missing_required_fields_are_named(patient):
    body = assert_problem(patient.post(URL, {}), 422, "validation-error")
    assert {"taken_at", "source"} <= set(body["errors"])


def test_a_few_minutes_of_clock_drift_is_accepted(patient):
    assert patient.post(URL, _entry(taken_at="2026-06-15T12:04:59Z")).status_code == 201


def test_an_instant_more_than_5_minutes_ahead_is_clock_skew_with_the_server_time(patient):
    assert patient.post(URL, _entry(taken_at="2026-06-15T21:04:00+09:00")).status_code == 201  # 4 minutes fast
    body = assert_problem(patient.post(URL, _entry(taken_at="2026-06-15T12:06:00Z")), 422, "clock-skew", "taken_at")
    assert body["server_time"].endswith("Z")
    assert datetime.fromisoformat(body["server_time"]) == datetime.fromisoformat(NOW)


@pytest.mark.parametrize(
    ("profile", "taken_at", "local_date", "offset"),
    [
        ("Europe/Lisbon", "2026-06-15T07:00:00+09:00", "2026-06-15", 540),  # in Tokyo: 23:00 the day before in Lisbon
        ("Europe/Lisbon", "2026-06-15T00:30:00+14:00", "2026-06-15", 840),  # in Kiritimati
        ("Europe/Lisbon", "2026-06-14T23:30:00-03:30", "2026-06-14", -210),  # in St John's: 15 June in Lisbon
        ("Asia/Tokyo", "2026-06-14T20:00:00+00:00", "2026-06-14", 0),  # an explicit +00:00 is an offset stated
        ("Asia/Tokyo", "2026-06-14T20:00:00Z", "2026-06-15", None),  # Z states none: the profile zone decides
    ],
)
def test_local_date_is_the_phones_when_it_sends_an_offset(auth, clock, profile, taken_at, local_date, offset):
    clock.set(NOW)
    patient = auth.as_patient(timezone=profile)
    entry = patient.post(URL, _entry(taken_at=taken_at)).json
    assert (entry["local_date"], entry["utc_offset_min"]) == (local_date, offset)
    assert patient.get(f"{URL}/{entry['id']}").json == entry
    assert patient.get(URL).json["items"] == [entry]


def test_retry_with_same_id_and_body_is_200_and_stores_once(patient, ctx):
    entry_id = str(uuid.uuid4())
    first = patient.post(URL, _entry(id=entry_id))
    retry = patient.post(URL, _entry(id=entry_id))
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json == first.json
    assert db.session.scalar(select(func.count()).select_from(Intake)) == 1


def test_a_new_entry_holds_the_patients_lock_for_one_statement_on_postgresql(app, patient, ctx):
    # Her every write queues on her row's lock (her sync clock), from the stamp to the commit: on PostgreSQL the
    # stamp, the insert and the day's sum are one statement; SQLite, one writer at a time, runs them in turn.
    statements = statements_of(app, lambda: patient.post(URL, _entry()), status=201)
    writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    if db.engine.dialect.name == "postgresql":
        assert len(writes) == 1 and all(t in writes[0] for t in ("UPDATE users", "INTO intake", "INTO patient_days"))
    else:
        assert len(writes) == 3
    day = patient.get("/api/v1/patients/me/today").json
    assert day["calcium"]["total_mg"] == 500


def test_same_id_with_a_different_body_is_409(patient):
    entry_id = str(uuid.uuid4())
    patient.post(URL, _entry(id=entry_id))
    assert_problem(patient.post(URL, _entry(id=entry_id, calcium_mg=600)), 409, "conflict")


def test_same_offset_spelled_differently_is_still_a_retry(patient):
    entry_id = str(uuid.uuid4())
    patient.post(URL, _entry(id=entry_id, taken_at="2026-06-15T08:00:00+01:00"))
    assert patient.post(URL, _entry(id=entry_id, taken_at="2026-06-15T07:00:00Z")).status_code == 200


def test_another_patients_id_is_a_conflict_not_a_leak(patient, auth):
    entry_id = str(uuid.uuid4())
    patient.post(URL, _entry(id=entry_id))
    other = auth.as_patient()
    response = other.post(URL, _entry(id=entry_id))
    assert_problem(response, 409, "conflict")
    assert "calcium" not in response.json["detail"]


def test_ten_concurrent_retries_store_exactly_one_row(app, patient, ctx):
    entry_id = str(uuid.uuid4())
    body = _entry(id=entry_id)

    def send(_):
        return app.test_client().post(URL, json=body, headers=patient.headers).status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(send, range(10)))
    assert sorted(codes) == [200] * 9 + [201]
    assert db.session.scalar(select(func.count()).select_from(Intake)) == 1


@pytest.mark.parametrize(
    ("timezone", "taken_at", "local_date"),
    [
        ("America/New_York", "2026-06-15T03:30:00Z", "2026-06-14"),  # still the evening before in New York
        ("Asia/Tokyo", "2026-06-14T15:30:00Z", "2026-06-15"),  # already the next morning in Tokyo
        ("Pacific/Kiritimati", "2026-06-14T10:00:00Z", "2026-06-15"),  # UTC+14
        ("Pacific/Pago_Pago", "2026-06-15T10:59:00Z", "2026-06-14"),  # UTC-11
        ("Asia/Kolkata", "2026-06-14T18:30:00Z", "2026-06-15"),  # half-hour offset, exactly midnight
        ("America/New_York", "2026-03-08T06:59:00Z", "2026-03-08"),  # 01:59 EST, the night clocks spring forward
        ("America/New_York", "2026-03-08T07:00:00Z", "2026-03-08"),  # 03:00 EDT, right after the gap
        ("America/New_York", "2026-11-01T05:30:00Z", "2026-11-01"),  # 01:30 EDT, first of the doubled hour
        ("America/New_York", "2026-11-01T06:30:00Z", "2026-11-01"),  # 01:30 EST, second of the doubled hour
        ("America/New_York", "2026-11-01T04:59:00Z", "2026-11-01"),  # 00:59 EDT
        ("America/New_York", "2026-11-01T03:59:00Z", "2026-10-31"),  # 23:59 EDT the day before
    ],
)
def test_local_date_follows_the_patients_zone(auth, clock, timezone, taken_at, local_date):
    clock.set("2026-12-01T00:00:00Z")
    patient = auth.as_patient(timezone=timezone)
    response = patient.post(URL, _entry(taken_at=taken_at))
    assert response.status_code == 201
    assert response.json["local_date"] == local_date


def test_local_date_is_fixed_at_write_time(patient):
    entry = patient.post(URL, _entry(taken_at="2026-06-14T23:30:00Z")).json  # 00:30 in London
    assert entry["local_date"] == "2026-06-15"
    assert patient.patch("/api/v1/patients/me", {"timezone": "America/Los_Angeles"}).status_code == 200
    assert patient.get(f"{URL}/{entry['id']}").json["local_date"] == "2026-06-15"


def test_delete_leaves_a_tombstone_for_sync(patient):
    entry = patient.post(URL, _entry()).json
    assert patient.delete(f"{URL}/{entry['id']}").status_code == 204
    assert patient.delete(f"{URL}/{entry['id']}").status_code == 204  # a retried delete is harmless
    assert_problem(patient.get(f"{URL}/{entry['id']}"), 404, "not-found")
    assert patient.get(URL).json["items"] == []
    synced = patient.get(URL, query_string={"include_deleted": "true"}).json["items"]
    assert [e["id"] for e in synced] == [entry["id"]]
    assert synced[0]["deleted_at"] == "2026-06-15T12:00:00Z"


def test_list_pages_newest_first_and_filters_by_local_date(patient):
    ids = [patient.post(URL, _entry(taken_at=f"2026-06-{day:02d}T09:00:00+01:00")).json["id"] for day in range(1, 8)]
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = patient.get(URL, query_string=query).json
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    window = patient.get(URL, query_string={"from": "2026-06-02", "to": "2026-06-04"}).json["items"]
    assert [e["local_date"] for e in window] == ["2026-06-04", "2026-06-03", "2026-06-02"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # base64 of a list we never issued
        ({"from": "2026-06-10", "to": "2026-06-01"}, "from"),
        ({"from": "15/06/2026"}, "from"),
        ({"sort": "desc"}, "sort"),
    ],
)
def test_list_query_validation(patient, query, field):
    assert_problem(patient.get(URL, query_string=query), 422, "validation-error", field)


def test_unknown_or_malformed_entry_id_is_404(patient):
    assert_problem(patient.get(f"{URL}/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(patient.get(f"{URL}/not-a-uuid"), 404, "not-found")


def test_access_matrix(auth, clock):
    clock.set(NOW)
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    other_patient, other_clinician = auth.as_patient(), auth.as_clinician()
    entry = patient.post(URL, _entry()).json
    url = f"/api/v1/patients/{patient.id}/intake"
    item = f"{url}/{entry['id']}"

    assert_problem(auth.anonymous().get(url), 401, "token-missing")
    assert patient.get(url).status_code == 200
    assert clinician.get(url).status_code == 200
    assert clinician.get(item).json["id"] == entry["id"]
    assert_problem(clinician.post(url, _entry()), 403, "forbidden")
    assert_problem(clinician.delete(item), 403, "forbidden")
    for stranger in (other_patient, other_clinician):
        assert_problem(stranger.get(url), 404, "not-found")
        assert_problem(stranger.get(item), 404, "not-found")
        assert_problem(stranger.post(url, _entry()), 404, "not-found")
        assert_problem(stranger.delete(item), 404, "not-found")
    # another patient cannot reach the entry through her own record either
    assert_problem(other_patient.get(f"{URL}/{entry['id']}"), 404, "not-found")
    assert_problem(auth.anonymous().get(f"/api/v1/patients/{uuid.uuid4()}/intake"), 401, "token-missing")
    assert_problem(clinician.get(f"/api/v1/patients/{uuid.uuid4()}/intake"), 404, "not-found")
    assert_problem(clinician.get("/api/v1/patients/me/intake"), 404, "not-found")
