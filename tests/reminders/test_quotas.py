"""One account cannot make the worker do unbounded work: at most 20 reminders and 10 active devices a patient."""

import uuid

from sqlalchemy import update

from bonecare.extensions import db
from bonecare.reminders.models import Device
from bonecare.reminders.service import MAX_DEVICES, MAX_REMINDERS
from tests.problems import assert_problem

ME = "/api/v1/patients/me"


def _reminder(**extra):
    return {"kind": "supplement", "time_of_day": "08:00", **extra}


def test_a_patient_may_keep_twenty_reminders_and_no_more(auth):
    patient, other = auth.as_patient(), auth.as_patient()
    ids = [str(uuid.uuid4()) for _ in range(MAX_REMINDERS)]
    assert all(patient.post(f"{ME}/reminders", json=_reminder(id=i)).status_code == 201 for i in ids)
    assert_problem(patient.post(f"{ME}/reminders", json=_reminder()), 422, "validation-error")
    assert len(patient.get(f"{ME}/reminders?limit=50").json["items"]) == MAX_REMINDERS
    assert patient.post(f"{ME}/reminders", json=_reminder(id=ids[0])).status_code == 200  # a retry still answers
    assert other.post(f"{ME}/reminders", json=_reminder()).status_code == 201  # the limit is hers alone
    assert patient.delete(f"{ME}/reminders/{ids[0]}").status_code == 204
    assert patient.post(f"{ME}/reminders", json=_reminder()).status_code == 201  # a deleted one frees its place


def test_a_patient_may_register_ten_devices_and_no_more(auth):
    patient = auth.as_patient()
    devices = [
        patient.post(f"{ME}/devices", json={"platform": "fcm", "token": f"token-{i}"}) for i in range(MAX_DEVICES)
    ]
    assert [d.status_code for d in devices] == [201] * MAX_DEVICES
    assert_problem(
        patient.post(f"{ME}/devices", json={"platform": "fcm", "token": "one-too-many"}), 422, "validation-error"
    )
    assert patient.post(f"{ME}/devices", json={"platform": "fcm", "token": "token-3"}).status_code == 200  # refresh
    assert patient.delete(f"{ME}/devices/{devices[0].json['id']}").status_code == 204
    assert patient.post(f"{ME}/devices", json={"platform": "fcm", "token": "one-too-many"}).status_code == 201


def test_switching_old_devices_back_on_counts_against_the_limit(auth, ctx):
    """A device the push service switched off (its token dead) cannot be switched back on past the limit, or an
    account could gather any number of active devices."""
    patient = auth.as_patient()
    for i in range(MAX_DEVICES):
        assert patient.post(f"{ME}/devices", json={"platform": "fcm", "token": f"token-{i}"}).status_code == 201
    db.session.execute(update(Device).where(Device.token == "token-0").values(active=False))
    db.session.commit()
    assert patient.post(f"{ME}/devices", json={"platform": "fcm", "token": "a-new-one"}).status_code == 201
    assert_problem(patient.post(f"{ME}/devices", json={"platform": "fcm", "token": "token-0"}), 422, "validation-error")
