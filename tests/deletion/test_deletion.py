"""A patient deletes her account: at once signed out, out of her clinicians' sight, no reminder, no device; signing
in during the grace cancels; after it the worker erases every row that holds her id, and her email is free again."""

import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bonecare.accounts.models import User
from bonecare.extensions import db
from bonecare.reminders import worker
from bonecare.reminders.models import Device, Occurrence
from tests import world as w
from tests.problems import assert_problem
from tests.reminders.conftest import recorder, use_backend  # noqa: F401 - fixtures

ME = f"{w.API}/patients/me"
NAME = "Zelda Quillfeather"  # a name no one else has: it must not outlive her


def _next_eight(after: datetime) -> datetime:
    """The first 08:01 UTC after this instant (her rule is 08:00, her zone UTC)."""
    day = after.replace(hour=8, minute=1, second=0, microsecond=0)
    return day if day > after else day + timedelta(days=1)


def _as(client, token: str):
    return {"Authorization": f"Bearer {token}"}


def _call(client, method, url, token=None, body=None):
    return client.open(url, method=method, json=body, headers=_as(client, token) if token else {})


@pytest.fixture
def rich(app, client, world, recorder):  # noqa: F811 - fixtures
    """Her record with something in every table: the world's records (a care team she joined with an invitation,
    intake, exercise, habits, a reminder, a device, DXA, labs, treatments), a care plan, reads in the access log,
    a password reset mailed and one asked for, a notification sent and opened, and tombstones of each kind she
    can delete."""
    patient, clinician = world.patient, world.clinician
    assert _call(client, "PATCH", ME, patient.access, {"display_name": NAME}).status_code == 200
    plan = {
        "calcium_mg_min": 1100,
        "calcium_mg_max": 1200,
        "vitamin_d_iu_min": 800,
        "vitamin_d_iu_max": 1000,
        "alcohol_drinks_per_week_max": 3,
        "exercise_weekly": {k: {"minutes": 90} for k in ("balance", "flexibility", "endurance", "resistance")},
    }
    assert _call(client, "PUT", f"{w.API}/patients/{patient.id}/care-plan", clinician.access, plan).status_code == 200
    for path in ("", "/intake", "/dxa/results", "/changes"):  # her clinician's reads: the access log
        assert _call(client, "GET", f"{w.API}/patients/{patient.id}{path}", clinician.access).status_code == 200
    forgot = (f"{w.API}/auth/password/forgot", None, {"email": patient.email})
    assert _call(client, "POST", *forgot).status_code == 202
    assert worker.run_mail(app) == 1  # a reset token of hers
    worker.tick(app, _next_eight(datetime.now(UTC)))
    assert _call(client, "POST", *forgot).status_code == 202  # and a request still queued, by address alone
    sent = _call(client, "GET", f"{ME}/notifications?status=sent", patient.access).json["items"]
    assert sent, "the world's reminder was sent"
    action = {"action": "opened"}
    assert _call(client, "POST", f"{ME}/notifications/{sent[0]['id']}/actions", patient.access, action).status_code
    for path in (f"{w.PATIENT}/intake", f"{w.PATIENT}/exercise"):
        made = _call(client, "POST", world.url(path), patient.access, w.body_for(path, world)).json
        assert _call(client, "DELETE", f"{world.url(path)}/{made['id']}", patient.access).status_code == 204
    assert _call(client, "DELETE", f"{ME}/habits/{world.today.isoformat()}", patient.access).status_code == 204
    second = _call(client, "POST", f"{ME}/devices", patient.access, {"platform": "fcm", "token": "fcm-gone"}).json
    assert _call(client, "DELETE", f"{ME}/devices/{second['id']}", patient.access).status_code == 204
    appointment = world.ids[f"{w.PATIENT}/dxa/appointments"]
    url = f"{w.API}/patients/{patient.id}/dxa/appointments/{appointment}"
    assert _call(client, "DELETE", url, clinician.access).status_code == 204
    return world


def _delete(client, account, password=w.PASSWORD):
    return _call(client, "DELETE", ME, account.access, {"password": password})


def _holds_her(value, user_id: uuid.UUID, email: str) -> bool:
    """Whether a stored value is her id (as a UUID, its text or its hex), her email or her name, or holds one."""
    text = (json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)).lower()
    whole_email = re.compile(rf"(?<![\w.+-]){re.escape(email.lower())}(?![\w.-])")  # not other-{her email}
    return (
        value == user_id
        or any(needle in text for needle in (str(user_id), user_id.hex, NAME.lower()))
        or bool(whole_email.search(text))
    )


def _traces(session, user_id: uuid.UUID, email: str) -> list[tuple[str, str]]:
    """(table, column) of every value in every table that holds her id, email or name: what an erasure must leave
    none of."""
    return [
        (table.name, column)
        for table in db.metadata.sorted_tables
        for row in session.execute(select(table)).mappings()
        for column, value in row.items()
        if _holds_her(value, user_id, email)
    ]


def _rows_without(session, user_id: uuid.UUID, email: str) -> dict[str, set]:
    """Every row of every table that holds nothing of hers, by table."""
    return {
        table.name: {
            tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)  # hashable
            for row in session.execute(select(table))
            if not any(_holds_her(value, user_id, email) for value in tuple(row))
        }
        for table in db.metadata.sorted_tables
    }


def test_deleting_signs_her_out_hides_her_from_clinicians_and_stops_reminders(app, client, rich, session):
    patient, clinician = rich.patient, rich.clinician
    response = _delete(client, patient)
    assert response.status_code == 202, response.json
    erase_after = datetime.fromisoformat(response.json["erase_after"].replace("Z", "+00:00"))
    assert timedelta(days=29, hours=23) < erase_after - datetime.now(UTC) <= timedelta(days=30)
    assert response.headers["Cache-Control"] == "no-store"
    for url in (ME, f"{ME}/changes", f"{ME}/intake"):
        assert_problem(_call(client, "GET", url, patient.access), 401, "session-revoked")
    assert_problem(_call(client, "POST", f"{w.API}/auth/refresh", patient.refresh, {}), 401, "session-revoked")
    for path in ("", "/changes", "/intake", "/dxa/results"):
        assert_problem(_call(client, "GET", f"{w.API}/patients/{patient.id}{path}", clinician.access), 404, "not-found")
    panel = _call(client, "GET", f"{w.API}/clinician/patients", clinician.access).json["items"]
    assert patient.id not in {row["id"] for row in panel}
    pid = uuid.UUID(patient.id)
    devices = session.scalars(select(Device).where(Device.patient_id == pid)).all()
    assert devices and all(d.deleted_at and not d.active and d.token is None and d.endpoint is None for d in devices)
    waiting = select(Occurrence).where(Occurrence.patient_id == pid, Occurrence.status.in_(("pending", "claimed")))
    assert session.scalars(waiting).all() == []
    session.rollback()
    summary = worker.tick(app, _next_eight(datetime.now(UTC)) + timedelta(days=1))
    assert summary["erased"] == 0
    assert session.scalars(select(Occurrence).where(Occurrence.patient_id == pid, Occurrence.status == "sent")).all()
    assert session.scalars(waiting).all() == [], "nothing more is planned for her"
    rule = rich.ids[f"{w.PATIENT}/reminders"]
    assert len([m for m in app.extensions["bonecare.push"].sent if rule in m.key]) == 1, "only the one before"


@pytest.mark.parametrize("password", ["wrong password", None])
def test_a_wrong_or_missing_password_changes_nothing(client, rich, session, password):
    patient, clinician = rich.patient, rich.clinician
    response = _call(client, "DELETE", ME, patient.access, {"password": password} if password else {})
    assert_problem(response, 403, "password-wrong") if password else assert_problem(response, 422, "validation-error")
    assert _call(client, "GET", ME, patient.access).status_code == 200
    assert _call(client, "GET", f"{w.API}/patients/{patient.id}", clinician.access).status_code == 200
    assert len(_call(client, "GET", f"{ME}/devices", patient.access).json["items"]) == 1
    assert session.get(User, uuid.UUID(patient.id)).erase_after is None


def test_only_she_may_delete_her_account(client, world):  # noqa: F811 - fixture
    body = {"password": w.PASSWORD}
    hers = f"{w.API}/patients/{world.patient.id}"
    assert_problem(_call(client, "DELETE", hers, world.clinician.access, body), 403, "forbidden")
    assert_problem(_call(client, "DELETE", hers, world.other_patient.access, body), 404, "not-found")
    assert_problem(_delete(client, world.clinician), 404, "not-found")  # `me` is no clinician's record
    assert_problem(_call(client, "DELETE", ME, None, body), 401, "token-missing")
    assert _call(client, "GET", hers, world.patient.access).status_code == 200
    assert _call(client, "DELETE", hers, world.patient.access, body).status_code == 202  # her own id is `me`


def _login(client, email):
    return _call(client, "POST", f"{w.API}/auth/login", None, {"email": email, "password": w.PASSWORD})


def test_signing_in_during_the_grace_cancels_and_keeps_her_records(app, client, rich, clock):
    patient, clinician = rich.patient, rich.clinician
    assert _login(client, patient.email).json["deletion_cancelled"] is False
    before = _call(client, "GET", f"{ME}/changes", patient.access).json
    assert _delete(client, patient).status_code == 202
    clock.set(datetime.now(UTC) + timedelta(days=29))
    signed_in = _login(client, patient.email)
    assert signed_in.status_code == 200 and signed_in.json["deletion_cancelled"] is True
    token = signed_in.json["access_token"]
    after = _call(client, "GET", f"{ME}/changes", token).json
    kept = {(i["type"], i["id"]) for i in before["items"]} - {("device", i["id"]) for i in before["items"]}
    assert kept <= {(i["type"], i["id"]) for i in after["items"]}
    assert _call(client, "GET", ME, token).json["display_name"] == NAME
    assert_problem(_call(client, "GET", f"{w.API}/patients/{patient.id}", clinician.access), 404, "not-found")
    assert _login(client, patient.email).json["deletion_cancelled"] is False
    assert worker.tick(app, clock.now() + timedelta(days=5))["erased"] == 0
    pending = _call(client, "GET", f"{ME}/notifications?status=pending", token).json["items"]
    assert pending, "her reminders are planned again"


def test_after_the_grace_the_worker_erases_every_trace_of_her_and_nothing_else(app, client, rich, session):
    patient = rich.patient
    pid = uuid.UUID(patient.id)
    assert {table for table, _ in _traces(session, pid, patient.email)} == {t.name for t in db.metadata.sorted_tables}
    assert _delete(client, patient).status_code == 202
    others = _rows_without(session, pid, patient.email)
    session.rollback()
    later = datetime.now(UTC) + timedelta(days=30, minutes=1)
    assert worker.run_erase(app, later - timedelta(minutes=2)) == 0, "not before erase_after"
    assert worker.run_daily(app, later) == {"pruned": 0, "erased": 1}
    assert _traces(session, pid, patient.email) == []
    left = _rows_without(session, pid, patient.email)
    assert {t: rows - left[t] for t, rows in others.items() if rows - left[t]} == {}, "another's rows changed"
    assert worker.run_erase(app, later) == 0
    other = rich.other_patient
    assert _call(client, "GET", f"{ME}/intake", other.access).status_code == 200


def test_past_the_grace_she_cannot_sign_in_and_once_erased_her_email_registers_again(app, client, world, clock):  # noqa: F811
    patient = world.patient
    assert _delete(client, patient).status_code == 202
    clock.set(datetime.now(UTC) + timedelta(days=31))
    assert_problem(_login(client, patient.email), 401, "unauthorized")
    body = {"email": patient.email, "password": w.PASSWORD, "display_name": "Again", "timezone": "UTC"}
    assert_problem(_call(client, "POST", f"{w.API}/auth/register", None, body), 409, "conflict")
    assert worker.tick(app, clock.now())["erased"] == 1
    again = _call(client, "POST", f"{w.API}/auth/register", None, body)
    assert again.status_code == 201 and again.json["id"] != patient.id
    assert _login(client, patient.email).json["deletion_cancelled"] is False


def test_two_workers_erase_her_once(app, client, world):  # noqa: F811 - fixture
    assert _delete(client, world.patient).status_code == 202
    assert _delete(client, world.other_patient).status_code == 202
    later = datetime.now(UTC) + timedelta(days=31)
    erased, errors = [], []

    def erase():
        try:
            erased.append(worker.run_erase(app, later))
        except Exception as exc:  # a failure of either worker fails the test
            errors.append(exc)

    threads = [threading.Thread(target=erase) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(erased) == 2
    with app.app_context():
        assert db.session.scalars(select(User).where(User.role == "patient")).all() == []
