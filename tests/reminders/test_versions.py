"""Versions of reminder rules and devices: ETags, If-Match, tombstones, and ids that stay deleted."""

import uuid

from sqlalchemy import select

from bonecare.extensions import db
from bonecare.reminders.models import Device
from tests.problems import assert_problem
from tests.versions import assert_stale, assert_stays_deleted, assert_tagged, match

REMINDERS = "/api/v1/patients/me/reminders"
DEVICES = "/api/v1/patients/me/devices"
RULE = {"kind": "custom", "time_of_day": "20:00"}


def _token(last4: str) -> dict:
    return {"platform": "fcm", "token": f"fcm-token-{last4}"}


def _listed(patient, url: str) -> dict:
    (item,) = patient.get(url).json["items"]
    return item


def test_each_change_of_a_rule_takes_a_higher_version(auth):
    patient = auth.as_patient()
    created = patient.post(REMINDERS, json=RULE).json
    changed = patient.patch(f"{REMINDERS}/{created['id']}", {"time_of_day": "21:00"})
    assert created["version"] < assert_tagged(changed) == _listed(patient, REMINDERS)["version"]
    again = patient.patch(f"{REMINDERS}/{created['id']}", {"time_of_day": "21:00"})
    assert again.json["version"] == changed.json["version"]  # no change, no version


def test_a_stale_if_match_on_a_rule_is_412_with_it_as_listed_and_changes_nothing(auth, clock):
    clock.set("2026-03-08T12:30:00Z")
    patient = auth.as_patient()
    rule = patient.post(REMINDERS, json=RULE).json
    item = f"{REMINDERS}/{rule['id']}"
    patient.patch(item, {"title": "Evening walk"})  # another phone
    shown = _listed(patient, REMINDERS)
    assert_stale(patient.patch(item, {"enabled": False}, headers=match(rule["version"])), shown)
    assert_stale(patient.delete(item, headers=match(rule["version"])), shown)
    assert _listed(patient, REMINDERS) == shown


def test_a_matching_if_match_changes_and_deletes_a_rule(auth):
    patient = auth.as_patient()
    rule = patient.post(REMINDERS, json=RULE).json
    item = f"{REMINDERS}/{rule['id']}"
    changed = patient.patch(item, {"enabled": False}, headers=match(rule["version"]))
    assert changed.status_code == 200 and changed.json["enabled"] is False
    assert patient.delete(item, headers=match(changed.json["version"])).status_code == 204
    assert patient.get(REMINDERS).json["items"] == []


def test_deleting_a_rule_twice_is_204_and_its_id_stays_deleted(auth):
    patient = auth.as_patient()
    assert_stays_deleted(patient, REMINDERS, {**RULE, "id": str(uuid.uuid4())})
    assert patient.get(REMINDERS).json["items"] == []


def test_each_change_of_a_device_takes_a_higher_version(auth):
    patient, install = auth.as_patient(), f"{DEVICES}/{uuid.uuid4()}"
    created = assert_tagged(patient.put(install, json=_token("AAAA")))
    refreshed = assert_tagged(patient.put(install, json=_token("BBBB")))
    assert created < refreshed == _listed(patient, DEVICES)["version"]
    assert assert_tagged(patient.put(install, json=_token("BBBB"))) == refreshed  # a retry


def test_a_stale_if_match_on_a_device_is_412_with_it_as_listed_and_changes_nothing(auth):
    patient, install = auth.as_patient(), f"{DEVICES}/{uuid.uuid4()}"
    seen = patient.put(install, json=_token("AAAA")).json["version"]
    patient.put(install, json=_token("BBBB"))  # the app refreshed its token
    shown = _listed(patient, DEVICES)
    assert_stale(patient.put(install, json=_token("CCCC"), headers=match(seen)), shown)
    assert_stale(patient.delete(install, headers=match(seen)), shown)
    assert _listed(patient, DEVICES) == shown


def test_if_match_on_an_install_never_registered_is_412_and_registers_nothing(auth):
    patient = auth.as_patient()
    assert_stale(patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_token("AAAA"), headers=match(1)), None)
    assert patient.get(DEVICES).json["items"] == []


def test_a_matching_if_match_refreshes_and_deletes_a_device(auth):
    patient, install = auth.as_patient(), f"{DEVICES}/{uuid.uuid4()}"
    version = patient.put(install, json=_token("AAAA")).json["version"]
    refreshed = patient.put(install, json=_token("BBBB"), headers=match(version))
    assert refreshed.status_code == 200 and refreshed.json["token"] == "…BBBB"
    assert patient.delete(install, headers=match(refreshed.json["version"])).status_code == 204


def test_a_deleted_device_is_a_tombstone_that_gave_its_token_up(auth, ctx):
    patient, install_id = auth.as_patient(), uuid.uuid4()
    install = f"{DEVICES}/{install_id}"
    version = patient.put(install, json=_token("AAAA")).json["version"]
    assert patient.delete(install).status_code == 204
    assert patient.delete(install).status_code == 204
    assert patient.get(DEVICES).json["items"] == []
    tombstone = db.session.scalars(select(Device).where(Device.id == install_id)).one()
    assert tombstone.deleted_at is not None and tombstone.active is False and tombstone.version > version
    assert tombstone.token is tombstone.target_hash is None
    assert_problem(patient.put(install, json=_token("AAAA")), 409, "deleted")
    again = patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_token("AAAA"))  # the same token, a new install id
    assert again.status_code == 201 and _listed(patient, DEVICES)["id"] == again.json["id"]


def test_a_new_install_of_the_same_token_leaves_the_old_one_a_tombstone(auth, ctx):
    patient, old = auth.as_patient(), uuid.uuid4()
    patient.put(f"{DEVICES}/{old}", json=_token("AAAA"))
    new = patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_token("AAAA")).json
    assert _listed(patient, DEVICES)["id"] == new["id"]
    tombstone = db.session.get(Device, old)
    assert tombstone.deleted_at is not None and tombstone.version < new["version"]
