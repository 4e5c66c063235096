"""Reminder rules, devices and notifications over the API: who may do what, and what is refused."""

import base64
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from tests.problems import assert_problem

R = "/api/v1/patients/{}/reminders"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc123"):
    key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"endpoint": endpoint, "keys": {"p256dh": _b64(key), "auth": _b64(b"0123456789abcdef")}}


def test_a_patient_adds_a_rule_and_sees_when_it_fires_next(auth, clock):
    clock.set("2026-03-08T12:30:00Z")  # 08:30 EDT
    patient = auth.as_patient(timezone="America/New_York")
    response = patient.post(
        R.format("me"), json={"kind": "supplement", "time_of_day": "08:00", "days_of_week": ["tue", "mon"]}
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["days_of_week"] == ["mon", "tue"]
    assert body["skip_if_done"] is True and body["enabled"] is True
    assert body["next_fire_at"] == "2026-03-09T12:00:00Z"  # Monday 08:00 EDT
    listed = patient.get(R.format(patient.id)).json
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["next_cursor"] is None


def test_a_rule_change_moves_its_next_firing_and_its_pending_notifications(auth, clock):
    clock.set("2026-03-08T12:30:00Z")
    patient = auth.as_patient(timezone="America/New_York")
    rule = patient.post(R.format("me"), json={"kind": "exercise", "time_of_day": "18:00"}).json
    assert rule["next_fire_at"] == "2026-03-08T22:00:00Z"
    changed = patient.patch(f"{R.format('me')}/{rule['id']}", json={"time_of_day": "19:15", "title": "Walk"})
    assert changed.status_code == 200
    assert changed.json["next_fire_at"] == "2026-03-08T23:15:00Z" and changed.json["title"] == "Walk"
    pending = patient.get("/api/v1/patients/me/notifications?status=pending").json["items"]
    assert {n["scheduled_for"][11:] for n in pending} == {"23:15:00Z"}
    assert {n["title"] for n in pending} == {"Walk"}
    disabled = patient.patch(f"{R.format('me')}/{rule['id']}", json={"enabled": False}).json
    assert disabled["next_fire_at"] is None
    assert patient.get("/api/v1/patients/me/notifications?status=pending").json["items"] == []


def test_deleting_a_rule_cancels_what_it_had_planned(auth, clock):
    clock.set("2026-03-08T12:30:00Z")
    patient = auth.as_patient()
    rule = patient.post(R.format("me"), json={"kind": "custom", "time_of_day": "20:00"}).json
    assert patient.delete(f"{R.format('me')}/{rule['id']}").status_code == 204
    assert patient.get(R.format("me")).json["items"] == []
    statuses = {n["status"] for n in patient.get("/api/v1/patients/me/notifications").json["items"]}
    assert statuses == {"cancelled"}
    assert patient.delete(f"{R.format('me')}/{rule['id']}").status_code == 204  # deleting again is harmless
    assert_problem(patient.delete(f"{R.format('me')}/{uuid.uuid4()}"), 404, "not-found")


def test_a_retry_with_the_same_id_stores_one_rule(auth, clock):
    patient = auth.as_patient()
    body = {"id": "7d1c3f0e-1111-4a5b-9c2d-0123456789ab", "kind": "supplement", "time_of_day": "08:00"}
    assert patient.post(R.format("me"), json=body).status_code == 201
    assert patient.post(R.format("me"), json=body).status_code == 200
    assert_problem(patient.post(R.format("me"), json={**body, "time_of_day": "09:00"}), 409, "conflict")
    assert len(patient.get(R.format("me")).json["items"]) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "pill", "time_of_day": "08:00"}, "kind"),
        ({"kind": "supplement", "time_of_day": "8am"}, "time_of_day"),
        ({"kind": "supplement", "time_of_day": "24:00"}, "time_of_day"),
        ({"kind": "supplement", "time_of_day": "08:00\n"}, "time_of_day"),  # the spec's pattern refuses it too
        ({"kind": "supplement", "time_of_day": "08:00", "days_of_week": []}, "days_of_week"),
        ({"kind": "supplement", "time_of_day": "08:00", "days_of_week": ["mon", "mon"]}, "days_of_week"),
        ({"kind": "supplement", "time_of_day": "08:00", "days_of_week": ["monday"]}, "days_of_week.0"),
        ({"kind": "supplement", "time_of_day": "08:00", "title": "x" * 101}, "title"),
        ({"kind": "supplement", "time_of_day": "08:00", "colour": "red"}, "colour"),
        ({"time_of_day": "08:00"}, "kind"),
    ],
)
def test_invalid_rules_are_422(auth, body, field):
    patient = auth.as_patient()
    assert_problem(patient.post(R.format("me"), json=body), 422, "validation-error", field)


def test_invalid_rule_changes_are_422(auth):
    patient = auth.as_patient()
    rule = patient.post(R.format("me"), json={"kind": "supplement", "time_of_day": "08:00"}).json
    url = f"{R.format('me')}/{rule['id']}"
    assert_problem(patient.patch(url, json={"enabled": None}), 422, "validation-error", "enabled")
    assert_problem(patient.patch(url, json={"kind": None}), 422, "validation-error", "kind")
    assert_problem(patient.patch(url, json={"id": rule["id"]}), 422, "validation-error", "id")
    assert_problem(patient.patch(f"{R.format('me')}/not-a-uuid", json={"enabled": False}), 404, "not-found")


def test_devices_webpush_on_a_known_push_service_and_fcm(auth):
    patient = auth.as_patient()
    web = patient.post("/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": subscription()})
    assert web.status_code == 201 and web.json["active"] is True
    again = patient.post("/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": subscription()})
    assert again.status_code == 200 and again.json["id"] == web.json["id"]
    fcm = patient.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "tok-1"})
    assert fcm.status_code == 201
    assert patient.delete(f"/api/v1/patients/me/devices/{fcm.json['id']}").status_code == 204
    assert patient.delete(f"/api/v1/patients/me/devices/{fcm.json['id']}").status_code == 204  # again: harmless
    assert_problem(patient.delete(f"/api/v1/patients/me/devices/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(patient.delete("/api/v1/patients/me/devices/not-a-uuid"), 404, "not-found")
    again = patient.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "tok-1"})
    assert again.status_code == 201 and again.json["id"] != fcm.json["id"]  # the tombstone gave its token up


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/x",
        "https://updates.push.services.mozilla.com/wpush/v2/x",
        "https://wns2-par02p.notify.windows.com/w/?token=x",
        "https://web.push.apple.com/QGx",
        "http://127.0.0.1:8080/push/x",  # BONECARE_PUSH_ALLOWED_HOSTS in the tests
    ],
)
def test_known_push_hosts_are_accepted(auth, endpoint):
    patient = auth.as_patient()
    body = {"platform": "webpush", "subscription": subscription(endpoint)}
    assert patient.post("/api/v1/patients/me/devices", json=body).status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/x",
        "https://evil.example.com/push",
        "https://169.254.169.254/latest",
        "https://fcm.googleapis.com.evil.example/x",
        "ftp://127.0.0.1/x",
        "https://user:pw@fcm.googleapis.com/x",
        "https://notify.windows.com.evil.example/x",
        "not a url",
    ],
)
def test_a_subscription_elsewhere_is_422(auth, endpoint):
    patient = auth.as_patient()
    body = {"platform": "webpush", "subscription": subscription(endpoint)}
    assert_problem(
        patient.post("/api/v1/patients/me/devices", json=body), 422, "validation-error", "subscription.endpoint"
    )


@pytest.mark.parametrize(
    "keys, field",
    [
        ({"p256dh": _b64(b"\x04" + b"\x01" * 64)}, "subscription.keys.p256dh"),  # not on the curve
        ({"p256dh": _b64(b"\x04" * 33)}, "subscription.keys.p256dh"),
        ({"p256dh": "not base64!"}, "subscription.keys.p256dh"),
        ({"auth": _b64(b"short")}, "subscription.keys.auth"),
        ({"auth": "+/+/+/+/+/+/+/+/+/+/+w"}, "subscription.keys.auth"),
    ],
)
def test_bad_subscription_keys_are_422(auth, keys, field):
    patient = auth.as_patient()
    sub = subscription()
    sub["keys"].update(keys)
    assert_problem(
        patient.post("/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": sub}),
        422,
        "validation-error",
        field,
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"platform": "pigeon", "token": "x"}, "platform"),
        ({"platform": "apns", "token": "x"}, "token"),
        ({"platform": "fcm"}, "token"),
        ({"platform": "webpush", "token": "x"}, "subscription"),
        ({"platform": "fcm", "token": ""}, "token"),
        ({"platform": "webpush", "subscription": {"endpoint": "https://fcm.googleapis.com/x"}}, "subscription.keys"),
    ],
)
def test_invalid_devices_are_422(auth, body, field):
    patient = auth.as_patient()
    assert_problem(patient.post("/api/v1/patients/me/devices", json=body), 422, "validation-error", field)


@pytest.mark.parametrize("expiration", [{"at": 1}, "soon", 10**17])
def test_a_subscription_expiration_is_a_time_in_ms_or_null(auth, expiration):
    patient = auth.as_patient()
    body = {"platform": "webpush", "subscription": {**subscription(), "expirationTime": expiration}}
    field = "subscription.expirationTime"
    assert_problem(patient.post("/api/v1/patients/me/devices", json=body), 422, "validation-error", field)
    for fine in (None, 1767225600000):
        body["subscription"]["expirationTime"] = fine
        assert patient.post("/api/v1/patients/me/devices", json=body).status_code in (200, 201)


def test_a_device_that_moves_to_another_patient_stops_serving_the_first(auth, session):
    from bonecare.reminders.models import Device

    first, second = auth.as_patient(), auth.as_patient()
    device = first.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "shared-phone"}).json
    assert first.post("/api/v1/auth/logout").status_code == 204  # she leaves the phone
    moved = second.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "shared-phone"})
    assert moved.status_code == 201 and moved.json["id"] != device["id"]
    assert [d.patient_id for d in session.scalars(select(Device))] == [uuid.UUID(second.id)]


def test_notifications_are_paginated_newest_first(auth, clock):
    clock.set("2026-03-08T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    for hour in ("08:00", "09:00", "10:00"):
        patient.post(R.format("me"), json={"kind": "custom", "time_of_day": hour})
    first = patient.get("/api/v1/patients/me/notifications?limit=4").json
    assert len(first["items"]) == 4 and first["next_cursor"]
    rest = patient.get(f"/api/v1/patients/me/notifications?limit=200&cursor={first['next_cursor']}").json
    times = [n["scheduled_for"] for n in first["items"] + rest["items"]]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    assert {n["status"] for n in first["items"]} == {"pending"}
    assert set(first["items"][0]) >= {"id", "kind", "title", "body", "scheduled_for", "status", "sent_at", "attempts"}
    assert_problem(patient.get("/api/v1/patients/me/notifications?limit=201"), 422, "validation-error", "limit")
    assert_problem(patient.get("/api/v1/patients/me/notifications?cursor=zzz"), 422, "validation-error", "cursor")


def _setup(auth):
    patient = auth.as_patient()
    rule = patient.post(R.format("me"), json={"kind": "supplement", "time_of_day": "08:00"}).json
    device = patient.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "t"}).json
    return patient, rule, device


def _calls(pid, rule_id, device_id):
    base = f"/api/v1/patients/{pid}"
    return {
        "list reminders": ("get", f"{base}/reminders", None, "read", 200),
        "create reminder": ("post", f"{base}/reminders", {"kind": "custom", "time_of_day": "07:00"}, "write", 201),
        "change reminder": ("patch", f"{base}/reminders/{rule_id}", {"enabled": False}, "write", 200),
        "delete reminder": ("delete", f"{base}/reminders/{rule_id}", None, "write", 204),
        "add device": ("post", f"{base}/devices", {"platform": "fcm", "token": "u"}, "write", 201),
        "delete device": ("delete", f"{base}/devices/{device_id}", None, "write", 204),
        "notifications": ("get", f"{base}/notifications", None, "read", 200),
    }


@pytest.mark.parametrize("call", list(_calls("p", "r", "d")))
def test_access_matrix(auth, call):
    patient, rule, device = _setup(auth)
    method, url, body, mode, success = _calls(patient.id, rule["id"], device["id"])[call]
    other_patient, her_clinician = auth.as_patient(), auth.as_clinician(patient=patient)
    other_clinician = auth.as_clinician(patient=other_patient)

    def send(caller):
        return getattr(caller, method)(url, json=body) if body is not None else getattr(caller, method)(url)

    assert_problem(send(auth.anonymous()), 401, "token-missing")
    assert_problem(send(other_patient), 404, "not-found")
    assert_problem(send(other_clinician), 404, "not-found")
    if mode == "read":
        assert send(her_clinician).status_code == 200
    else:
        assert_problem(send(her_clinician), 403, "forbidden")
    assert send(patient).status_code == success
