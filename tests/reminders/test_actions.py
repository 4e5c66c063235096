"""Notification actions: done logs the rule's dose once, snooze sends once more 15 minutes later, opened is
stamped once, and only the patient acts."""

import pytest

from tests.problems import assert_problem

DOSE = {"calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}


def _sent(patient, clock, tick, **fields):
    """A supplement rule at 08:00 UTC, sent by the worker on 2026-03-10: its notification as the API shows it."""
    clock.set("2026-03-10T06:00:00Z")
    body = {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False, **fields}
    assert patient.post("/api/v1/patients/me/reminders", json=body).status_code == 201
    assert tick("2026-03-10T08:00:00Z")["sent"] == 1
    [sent] = patient.get("/api/v1/patients/me/notifications?status=sent").json["items"]
    return sent


def _act(patient, notification, action, **extra):
    return patient.post(
        f"/api/v1/patients/me/notifications/{notification['id']}/actions", json={"action": action, **extra}
    )


def test_done_twice_logs_the_rules_dose_once(auth, clock, recorder, tick):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick, log_on_done=DOSE)
    assert [a["action"] for a in recorder.sent[0].payload()["actions"]] == ["done", "snooze"]
    clock.set("2026-03-10T08:03:00Z")
    first = _act(patient, notification, "done")
    assert first.status_code == 200, first.json
    assert first.json["intake"]["calcium_mg"] == 500 and first.json["intake"]["taken_at"] == "2026-03-10T08:03:00Z"
    assert first.json["notification"]["action"] == "done"
    assert first.json["notification"]["acted_at"] == "2026-03-10T08:03:00Z"
    clock.set("2026-03-10T08:04:00Z")  # the answer was lost; the phone retries
    again = _act(patient, notification, "done")
    assert again.status_code == 200 and again.json["intake"]["id"] == first.json["intake"]["id"]
    assert again.json["notification"]["acted_at"] == "2026-03-10T08:03:00Z"
    intake = patient.get("/api/v1/patients/me/intake").json["items"]
    assert [(i["calcium_mg"], i["vitamin_d_iu"]) for i in intake] == [(500, 400)]
    today = patient.get("/api/v1/patients/me/notifications?status=sent").json["items"][0]
    assert today["action"] == "done"


def test_done_without_a_dose_logs_nothing(auth, clock, recorder, tick):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick)
    answer = _act(patient, notification, "done")
    assert answer.status_code == 200 and answer.json["intake"] is None
    assert patient.get("/api/v1/patients/me/intake").json["items"] == []


def test_snooze_sends_once_more_fifteen_minutes_later(auth, clock, recorder, tick, occurrences):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick)
    clock.set("2026-03-10T08:02:00Z")
    assert _act(patient, notification, "snooze").json["notification"]["action"] == "snooze"
    assert _act(patient, notification, "snooze").status_code == 200  # a retry plans nothing more
    assert tick("2026-03-10T08:16:59Z")["sent"] == 0
    assert tick("2026-03-10T08:17:00Z")["sent"] == 1
    assert tick("2026-03-10T09:00:00Z")["sent"] == 0
    assert len(recorder.sent) == 2
    again = recorder.sent[1]
    assert again.title == recorder.sent[0].title
    assert [a["action"] for a in again.payload()["actions"]] == ["done"]  # no second snooze offered
    snoozed = [o for o in occurrences() if o.key.startswith("snooze:")]
    assert [(o.status, o.due_at.isoformat()) for o in snoozed] == [("sent", "2026-03-10T08:17:00+00:00")]
    # snoozing the snooze plans nothing either: a reminder is re-sent once
    clock.set("2026-03-10T08:20:00Z")
    assert _act(patient, {"id": str(snoozed[0].id)}, "snooze").status_code == 200
    assert tick("2026-03-10T08:40:00Z")["sent"] == 0 and len(occurrences(key=snoozed[0].key)) == 1


def test_done_after_snooze_cancels_it_and_logs_one_dose(auth, clock, recorder, tick, occurrences):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick, log_on_done=DOSE)
    clock.set("2026-03-10T08:02:00Z")
    _act(patient, notification, "snooze")
    [snoozed] = [o for o in occurrences() if o.key.startswith("snooze:")]
    first = _act(patient, notification, "done").json["intake"]
    second = _act(patient, {"id": str(snoozed.id)}, "done").json["intake"]  # done on the snooze too
    assert first["id"] == second["id"] and len(patient.get("/api/v1/patients/me/intake").json["items"]) == 1
    assert tick("2026-03-10T08:30:00Z")["sent"] == 0
    assert occurrences(key=snoozed.key)[0].status == "cancelled"


def test_opened_is_stamped_once(auth, clock, recorder, tick):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick)
    assert notification["opened_at"] is None and notification["action"] is None
    clock.set("2026-03-10T08:05:00Z")
    opened = _act(patient, notification, "opened").json["notification"]
    assert opened["opened_at"] == "2026-03-10T08:05:00Z" and opened["action"] is None
    clock.set("2026-03-10T08:06:00Z")
    assert _act(patient, notification, "opened").json["notification"]["opened_at"] == "2026-03-10T08:05:00Z"
    dismissed = _act(patient, notification, "dismiss").json["notification"]
    assert dismissed["action"] == "dismiss" and dismissed["acted_at"] == "2026-03-10T08:06:00Z"


def test_only_the_patient_acts(auth, clock, recorder, tick):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick, log_on_done=DOSE)
    url = f"/api/v1/patients/{patient.id}/notifications/{notification['id']}/actions"
    assert_problem(auth.as_patient().post(url, json={"action": "done"}), 404, "not-found")
    assert_problem(auth.as_clinician(patient=patient).post(url, json={"action": "done"}), 403, "forbidden")
    assert_problem(auth.anonymous().post(url, json={"action": "done"}), 401, "token-missing")
    other = auth.as_patient(timezone="UTC")
    theirs = f"/api/v1/patients/me/notifications/{notification['id']}/actions"
    assert_problem(other.post(theirs, json={"action": "done"}), 404, "not-found")
    assert patient.get("/api/v1/patients/me/intake").json["items"] == []


@pytest.mark.parametrize(
    "body, field",
    [({"action": "liked"}, "action"), ({"action": "snooze", "snooze_minutes": 0}, "snooze_minutes"), ({}, "action")],
)
def test_invalid_actions_are_422(auth, clock, recorder, tick, body, field):
    patient = auth.as_patient(timezone="UTC")
    notification = _sent(patient, clock, tick)
    response = patient.post(f"/api/v1/patients/me/notifications/{notification['id']}/actions", json=body)
    assert_problem(response, 422, "validation-error", field)


def test_a_dose_only_on_a_supplement_reminder(auth):
    patient = auth.as_patient()
    R = "/api/v1/patients/me/reminders"
    response = patient.post(R, json={"kind": "exercise", "time_of_day": "08:00", "log_on_done": DOSE})
    assert_problem(response, 422, "validation-error", "log_on_done")
    rule = patient.post(R, json={"kind": "supplement", "time_of_day": "08:00", "log_on_done": DOSE}).json
    assert rule["log_on_done"] == {**DOSE, "product": None}
    assert_problem(patient.patch(f"{R}/{rule['id']}", json={"kind": "custom"}), 422, "validation-error", "log_on_done")
    empty = {**DOSE, "calcium_mg": 0, "vitamin_d_iu": 0}
    assert_problem(
        patient.post(R, json={"kind": "supplement", "time_of_day": "08:00", "log_on_done": empty}),
        422,
        "validation-error",
    )
