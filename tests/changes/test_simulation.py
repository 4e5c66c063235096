"""A week of two phones and a clinician: phone A is offline for five days and queues creates, edits and deletes;
phone B and the clinician keep writing; A comes back, uploads its queue in one batch and pages the feed. Both
phones' copies, built only from the feed, end equal to the server's records, nothing is stored twice, and the
edits that raced get exactly the 412s they should."""

import random
import uuid

from sqlalchemy import func, select

from bonecare.extensions import db
from bonecare.intake.models import Intake
from tests.factories import Caller

ME = "/api/v1/patients/me"


class Phone:
    """A phone's local copy of the patient's records, built only from the changes feed."""

    def __init__(self, caller: Caller):
        self.caller, self.records, self.since = caller, {}, None

    def sync(self) -> None:
        while True:
            query = "limit=7" + (f"&since={self.since}" if self.since is not None else "")
            page = self.caller.get(f"{ME}/changes?{query}")
            assert page.status_code == 200, page.json
            for item in page.json["items"]:
                key = (item["type"], item["id"])
                if item["op"] == "delete":
                    self.records.pop(key, None)
                else:
                    self.records[key] = item["record"]
            self.since = page.json["next_since"]
            if not page.json["has_more"]:
                return

    def intake(self) -> dict:
        return {rid: record for (kind, rid), record in self.records.items() if kind == "intake"}


def _entry(day: int, hour: int, calcium: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "taken_at": f"2026-06-{day:02d}T{hour:02d}:00:00Z",
        "calcium_mg": calcium,
        "source": "supplement",
    }


def test_two_phones_and_a_clinician_over_a_week_converge(auth, clock, ctx):
    rng = random.Random(7)
    clock.set("2026-06-01T20:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    clinician = auth.as_clinician(patient)
    phone_a = Phone(patient)
    phone_b = Phone(Caller(patient.client, patient.id, patient.email, "patient", auth.login(patient.email)))
    made = [phone_b.caller.post(f"{ME}/intake", json=_entry(1, h, 100 * h)).json for h in range(6, 12)]
    for phone in (phone_a, phone_b):
        phone.sync()
    assert phone_a.records == phone_b.records

    # days 2-6: A is offline and queues; B edits some of the same entries and logs; the clinician writes
    contested, a_only, b_only = made[0:2], made[2:4], made[4:6]
    queue = []
    for entry in contested + a_only:
        known = phone_a.intake()[entry["id"]]["version"]
        queue.append(("PATCH", f"/patients/me/intake/{entry['id']}", {"note": "from A"}, known))
    known = phone_a.intake()[b_only[1]["id"]]["version"]
    queue.append(("DELETE", f"/patients/me/intake/{b_only[1]['id']}", None, known))  # B edits it too: a 412
    created_by_a = [_entry(day, 8, rng.randrange(100, 900)) for day in range(2, 7)]
    queue += [("POST", "/patients/me/intake", body, None) for body in created_by_a]
    created_by_b = []
    for day in range(2, 7):
        clock.set(f"2026-06-{day:02d}T21:00:00Z")
        body = _entry(day, 9, rng.randrange(100, 900))
        assert phone_b.caller.post(f"{ME}/intake", json=body).status_code == 201
        created_by_b.append(body)
        if day == 3:
            for entry in (*contested, b_only[1]):
                version = phone_b.intake()[entry["id"]]["version"]
                edited = phone_b.caller.patch(
                    f"{ME}/intake/{entry['id']}", json={"calcium_mg": 555}, headers={"If-Match": f'"{version}"'}
                )
                assert edited.status_code == 200, edited.json
        if day == 4:
            assert phone_b.caller.delete(f"{ME}/intake/{b_only[0]['id']}").status_code == 204
        result = {"performed_on": f"2026-06-{day:02d}", "lumbar_spine_t": -1.0 - day / 10}
        assert clinician.post(f"/api/v1/patients/{patient.id}/dxa/results", json=result).status_code == 201
        phone_b.sync()

    # day 7: A comes back, uploads its queue in one batch, then pages the feed
    clock.set("2026-06-07T08:00:00Z")
    requests = [
        {"id": str(n), "method": method, "url": url, **({"body": body} if body else {}),
         **({"headers": {"If-Match": f'"{known}"'}} if known else {})}
        for n, (method, url, body, known) in enumerate(queue)
    ]  # fmt: skip
    answer = patient.post("/api/v1/batch", json={"requests": requests})
    assert answer.status_code == 200, answer.json
    statuses = {r["id"]: r["status"] for r in answer.json["responses"]}
    expected = ["412", "412", "200", "200", "412", *(["201"] * len(created_by_a))]
    assert [str(statuses[str(n)]) for n in range(len(queue))] == expected
    stale = [r for r in answer.json["responses"] if r["status"] == 412]
    assert all(r["body"]["current"]["calcium_mg"] == 555 for r in stale)  # B's edit, shown to A
    for phone in (phone_a, phone_b):
        phone.sync()

    server = Phone(patient)  # a fresh phone: the server's records as the feed gives them from the start
    server.sync()
    assert phone_a.records == phone_b.records == server.records
    listed = patient.get(f"{ME}/intake?limit=200").json["items"]
    assert {e["id"]: e for e in listed} == server.intake()  # the feed's records are the records
    expected_ids = {e["id"] for e in made} - {b_only[0]["id"]} | {e["id"] for e in created_by_a + created_by_b}
    assert set(server.intake()) == expected_ids
    assert db.session.scalar(select(func.count()).select_from(Intake)) == len(made) + 10  # nothing twice
    notes = {rid: record["note"] for rid, record in server.intake().items()}
    assert [notes[e["id"]] for e in contested + a_only] == [None, None, "from A", "from A"]
    assert len([k for k in server.records if k[0] == "dxa_result"]) == 5
