"""The changes feed a phone syncs by: every record and tombstone in version order, paged so that nothing is
skipped, one patient's only, and a 410 once the tombstones it would need are forgotten."""

import threading
import uuid
from datetime import datetime

import pytest

from bonecare.accounts.models import User
from bonecare.accounts.sync import stamp
from bonecare.extensions import db
from bonecare.intake.models import Intake
from bonecare.reminders import worker
from tests.factories import Caller, log_exercise, log_intake
from tests.problems import assert_problem

ME = "/api/v1/patients/me"
NOW = "2026-06-15T12:00:00Z"


@pytest.fixture
def patient(auth, clock):
    clock.set(NOW)
    return auth.as_patient(timezone="UTC")


def _all(caller, since=None, limit=500, pid="me") -> tuple[list, int]:
    """Every change after since, page by page: (items, the last next_since)."""
    items = []
    while True:
        query = f"limit={limit}" + (f"&since={since}" if since is not None else "")
        page = caller.get(f"/api/v1/patients/{pid}/changes?{query}")
        assert page.status_code == 200, page.json
        items += page.json["items"]
        since = page.json["next_since"]
        if not page.json["has_more"]:
            return items, since


def test_a_first_sync_gives_every_record_as_its_get_does_in_version_order(auth, patient):
    clinician = auth.as_clinician(patient)
    entry = log_intake(patient, "2026-06-15T08:00:00Z", calcium=500)
    log_exercise(patient, "2026-06-15T09:00:00Z", "balance", 30)
    patient.put(f"{ME}/habits/2026-06-15", json={"cigarettes": 0, "alcohol_drinks": 1})
    patient.post(f"{ME}/reminders", json={"kind": "supplement", "time_of_day": "08:00"})
    patient.put(f"{ME}/devices/{uuid.uuid4()}", json={"platform": "fcm", "token": "tok-1234"})
    clinician.post(
        f"/api/v1/patients/{patient.id}/dxa/results", json={"performed_on": "2026-06-01", "total_hip_t": -2.1}
    )
    items, _ = _all(patient)
    versions = [item["version"] for item in items]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert [item["type"] for item in items] == [
        "profile", "intake", "exercise", "habits", "reminder", "device", "dxa_result"
    ]  # fmt: skip
    assert all(item["op"] == "upsert" for item in items)
    [intake] = [item for item in items if item["type"] == "intake"]
    assert intake["id"] == entry["id"] and intake["record"] == patient.get(f"{ME}/intake/{entry['id']}").json
    [habits] = [item for item in items if item["type"] == "habits"]
    assert habits["id"] == "2026-06-15" and habits["record"]["alcohol_drinks"] == 1
    assert all(item["record"]["version"] == item["version"] for item in items if "version" in item["record"])


def test_paging_from_next_since_sees_each_change_once_and_deletes_as_tombstones(patient):
    entries = [log_intake(patient, f"2026-06-15T0{h}:00:00Z", calcium=100 + h) for h in range(1, 8)]
    everything, since = _all(patient, limit=2)
    assert [i["id"] for i in everything if i["type"] == "intake"] == [e["id"] for e in entries]
    assert patient.delete(f"{ME}/intake/{entries[2]['id']}").status_code == 204
    patient.patch(f"{ME}/intake/{entries[4]['id']}", json={"calcium_mg": 999})
    later, since_after = _all(patient, since=since, limit=2)
    assert [(i["id"], i["op"]) for i in later] == [(entries[2]["id"], "delete"), (entries[4]["id"], "upsert")]
    assert later[0]["record"] is None and later[1]["record"]["calcium_mg"] == 999
    assert _all(patient, since=since_after) == ([], since_after)  # nothing new: the same since back


def test_the_feed_shows_one_patients_records_only(auth, patient):
    other = auth.as_patient(timezone="UTC")
    clinician = auth.as_clinician(patient)
    log_intake(other, "2026-06-15T08:00:00Z", calcium=500)
    mine = log_intake(patient, "2026-06-15T08:00:00Z", calcium=300)
    items, _ = _all(patient)
    assert {i["id"] for i in items} == {patient.id, mine["id"]}
    assert _all(clinician, pid=patient.id)[0] == items  # her clinician reads the same feed
    assert_problem(patient.get(f"/api/v1/patients/{other.id}/changes"), 404, "not-found")
    assert_problem(clinician.get(f"/api/v1/patients/{other.id}/changes"), 404, "not-found")


def test_forgotten_tombstones_make_an_old_since_a_410(app, auth, clock, patient):
    entry = log_intake(patient, "2026-06-15T08:00:00Z", calcium=500)
    _, since = _all(patient)
    patient.delete(f"{ME}/intake/{entry['id']}")
    clock.set("2026-09-14T12:00:01Z")  # 91 days on: the tombstone is past BONECARE_TOMBSTONE_DAYS (90)
    assert worker.tick(app, datetime.fromisoformat("2026-09-14T12:00:01+00:00"))["pruned"] >= 1
    patient = Caller(patient.client, patient.id, patient.email, "patient", auth.login(patient.email))
    assert_problem(patient.get(f"{ME}/changes?since={since}"), 410, "sync-expired")
    items, _ = _all(patient)  # starting again without since works, and the entry is simply gone
    assert [i["type"] for i in items] == ["profile"]


def test_bad_queries_are_422(patient):
    for query in ("since=-1", "since=abc", "since=1.5", "limit=0", "limit=1001", "other=1"):
        assert_problem(patient.get(f"{ME}/changes?{query}"), 422, "validation-error")


def test_a_change_committed_late_is_never_skipped(app, patient, clock):
    """Writer A takes a version and holds its transaction open; writer B, starting after, must wait for A (the
    patient's row lock), so a reader paging meanwhile never moves past a version that commits later."""
    _, since = _all(patient)
    holding, release = threading.Event(), threading.Event()
    pid = uuid.UUID(patient.id)

    def writer_a():
        with app.app_context():
            entry = Intake(
                id=uuid.uuid4(),
                patient_id=pid,
                local_date=datetime(2026, 6, 15).date(),
                created_at=clock.now(),
                fingerprint="a" * 64,
                taken_at=clock.now(),
                calcium_mg=100,
                vitamin_d_iu=0,
                source="diet",
            )
            db.session.add(entry)
            stamp(db.session, pid, entry, clock.now())
            db.session.flush()
            holding.set()
            release.wait(10)
            db.session.commit()

    answers = {}

    def writer_b():
        holding.wait(10)
        body = {"taken_at": "2026-06-15T10:00:00Z", "calcium_mg": 200, "source": "diet"}
        answers["b"] = app.test_client().post(f"{ME}/intake", json=body, headers=patient.headers)

    a, b = threading.Thread(target=writer_a), threading.Thread(target=writer_b)
    a.start()
    b.start()
    holding.wait(10)
    seen, since = [], since
    for _ in range(3):  # pages read while A is open and B waits behind it
        items, since = _all(patient, since=since)
        seen += items
    release.set()
    a.join(10)
    b.join(10)
    assert answers["b"].status_code == 201
    items, since = _all(patient, since=since)
    seen += items
    calcium = [i["record"]["calcium_mg"] for i in seen]
    assert calcium == [100, 200]  # A's version first, then B's; neither skipped, neither twice
    with app.app_context():
        assert db.session.get(User, pid).sync_clock == seen[-1]["version"]
