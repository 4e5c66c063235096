"""Push back-ends against fake push services on loopback that speak the real protocols."""

import json
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from bonecare.extensions import db
from bonecare.reminders.endpoints import b64url, b64url_decode
from bonecare.reminders.models import Device
from bonecare.reminders.push import backend_for
from bonecare.reminders.push.base import Message
from bonecare.reminders.push.fcm import FcmBackend
from bonecare.reminders.push.webpush import WebPushBackend
from tests.factories import Caller
from tests.reminders.conftest import at
from tests.reminders.fakes import FakeFcm, FakeService, Subscriber, fcm_error

DUE = "2026-03-10T08:00:00Z"


def _vapid_key() -> tuple[str, ec.EllipticCurvePublicKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big")), key.public_key()


@pytest.fixture
def push_service():
    with FakeService() as service:
        yield service


@pytest.fixture
def webpush(app, use_backend):
    private, public = _vapid_key()
    backend = use_backend(
        WebPushBackend(
            {
                **app.config,
                "BONECARE_VAPID_PRIVATE_KEY": private,
                "BONECARE_VAPID_SUBJECT": "mailto:ops@bonecare.example",
            }
        )
    )
    backend.vapid_public = public
    return backend


@pytest.fixture
def subscribed(auth, clock, push_service):
    """A patient (UTC) with a daily 08:00 rule and a Web Push subscription at the fake service."""
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    subscriber = Subscriber(f"{push_service.url}/push/subscription-1")
    device = patient.post(
        "/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": subscriber.subscription()}
    )
    assert device.status_code == 201, device.json
    rule = patient.post(
        "/api/v1/patients/me/reminders", json={"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False}
    )
    assert rule.status_code == 201
    return patient, subscriber, device.json["id"]


def _device(app, device_id) -> Device:
    import uuid

    with app.app_context():
        device = db.session.get(Device, uuid.UUID(device_id))
        db.session.expunge_all()
        return device


def test_web_push_end_to_end_the_receiver_decrypts_the_payload(
    app, webpush, subscribed, push_service, tick, occurrences
):
    _, subscriber, _ = subscribed
    assert tick(DUE)["sent"] == 1
    [request] = push_service.requests
    headers = request["headers"]
    assert request["path"] == "/push/subscription-1"
    assert headers["content-encoding"] == "aes128gcm"
    payload = subscriber.decrypt(request["body"])
    [occurrence] = occurrences(status="sent")
    assert payload["title"] == "Time for your daily routine" and payload["tag"] == headers["topic"]
    assert headers["topic"] == Message("", occurrence.key, "", "", 0).topic
    assert int(headers["ttl"]) == 7200  # the grace window still ahead
    assert len(headers["topic"]) <= 32 and b64url_decode(headers["topic"])
    scheme, params = headers["authorization"].split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=push_service.url)
    assert claims["sub"] == "mailto:ops@bonecare.example"
    assert public.public_numbers() == webpush.vapid_public.public_numbers()


@pytest.mark.parametrize("status", [404, 410])
def test_web_push_dead_subscription_deactivates_the_device_without_retry(
    app, webpush, subscribed, push_service, tick, occurrences, status
):
    _, _, device_id = subscribed
    push_service.default = (status, {}, b"")
    summary = tick(DUE)
    assert summary["failed"] == 1 and summary["retrying"] == 0
    assert _device(app, device_id).active is False
    tick("2026-03-10T09:00:00Z")
    assert len(push_service.requests) == 1


def test_web_push_429_waits_for_retry_after_then_sends_once(app, webpush, subscribed, push_service, tick, occurrences):
    push_service.script.append((429, {"Retry-After": "600"}, b""))
    assert tick(DUE)["retrying"] == 1
    [pending] = occurrences(status="pending", local_date=at(DUE).date())
    assert pending.next_attempt_at >= at(DUE) + timedelta(seconds=600)
    assert tick("2026-03-10T08:05:00Z")["sent"] == 0 and len(push_service.requests) == 1
    assert tick("2026-03-10T08:10:01Z")["sent"] == 1
    [sent] = occurrences(status="sent")
    assert sent.attempts == 2 and sent.late is True
    assert len(push_service.requests) == 2


def test_web_push_5xx_then_success_retries_with_backoff(app, webpush, subscribed, push_service, tick, occurrences):
    push_service.script.extend([(500, {}, b""), (503, {}, b"")])
    assert tick(DUE)["retrying"] == 1
    first = occurrences(status="pending")[0].next_attempt_at - at(DUE)
    assert timedelta(seconds=15) <= first <= timedelta(seconds=30)
    assert tick("2026-03-10T08:00:31Z")["retrying"] == 1
    assert tick("2026-03-10T08:02:00Z")["sent"] == 1
    assert occurrences(status="sent")[0].attempts == 3


def test_web_push_timeout_is_retried(app, webpush, subscribed, push_service, tick, occurrences):
    webpush.timeout = 0.3
    push_service.delay = 1.0
    assert tick(DUE)["retrying"] == 1
    assert "network error" in occurrences(status="pending")[0].last_error
    push_service.delay = 0
    assert tick("2026-03-10T08:01:00Z")["sent"] == 1


def test_retries_stop_at_the_end_of_the_grace_window(app, webpush, subscribed, push_service, tick, occurrences):
    push_service.default = (429, {"Retry-After": "9000"}, b"")
    summary = tick(DUE)
    assert summary["failed"] == 1 and summary["retrying"] == 0


def test_the_worker_never_posts_to_an_endpoint_no_longer_allowed(
    app, use_backend, subscribed, push_service, tick, occurrences
):
    private, _ = _vapid_key()
    use_backend(
        WebPushBackend({**app.config, "BONECARE_VAPID_PRIVATE_KEY": private, "BONECARE_PUSH_ALLOWED_HOSTS": []})
    )
    assert tick(DUE)["failed"] == 1
    assert push_service.requests == []
    assert "endpoint refused" in occurrences(status="failed")[0].last_error


@pytest.fixture
def fcm(app, tmp_path, use_backend):
    with FakeFcm(tmp_path) as service:
        backend = use_backend(
            FcmBackend(
                {
                    **app.config,
                    "BONECARE_FCM_CREDENTIALS": str(service.credentials),
                    "BONECARE_FCM_ENDPOINT": service.url,
                }
            )
        )
        yield service, backend


@pytest.fixture
def fcm_patient(auth, clock):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    device = patient.post("/api/v1/patients/me/devices", json={"platform": "fcm", "token": "fcm-token-1"}).json
    for hour in ("08:00", "08:01"):
        patient.post(
            "/api/v1/patients/me/reminders", json={"kind": "exercise", "time_of_day": hour, "skip_if_done": False}
        )
    return patient, device["id"]


def test_fcm_http_v1_request_with_a_service_account_token_and_collapse_key(fcm, fcm_patient, tick, occurrences):
    service, _ = fcm
    assert tick("2026-03-10T08:01:00Z")["sent"] == 2
    sends = service.sends()
    keys = [Message("", o.key, "", "", 0).topic for o in occurrences(status="sent")]
    assert [m["token"] for m in sends] == ["fcm-token-1", "fcm-token-1"]
    assert sorted(m["android"]["collapse_key"] for m in sends) == sorted(keys)
    assert sorted(m["apns"]["headers"]["apns-collapse-id"] for m in sends) == sorted(keys)
    assert all(m["notification"]["title"] == "Time to move" for m in sends)
    assert all(m["android"]["ttl"].endswith("s") for m in sends)
    assert service.token_requests == 1  # the access token is cached


def test_fcm_unregistered_token_deactivates_the_device(app, fcm, fcm_patient, tick):
    service, _ = fcm
    _, device_id = fcm_patient
    service.script.append(fcm_error(404, "NOT_FOUND", "UNREGISTERED"))
    summary = tick("2026-03-10T08:00:00Z")
    assert summary["failed"] == 1
    assert _device(app, device_id).active is False
    assert tick("2026-03-10T08:01:00Z")["failed"] == 1  # no device left: nothing is posted
    assert len(service.sends()) == 1  # the one answered UNREGISTERED


def test_fcm_invalid_argument_fails_without_retry_and_keeps_the_device(app, fcm, fcm_patient, tick):
    service, _ = fcm
    _, device_id = fcm_patient
    service.script.append(fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"))
    assert tick("2026-03-10T08:00:00Z")["failed"] == 1
    assert _device(app, device_id).active is True


def test_fcm_unavailable_with_retry_after_then_success(app, fcm, fcm_patient, tick, occurrences):
    service, _ = fcm
    service.script.append(fcm_error(503, "UNAVAILABLE", "UNAVAILABLE", {"Retry-After": "120"}))
    assert tick("2026-03-10T08:00:00Z")["retrying"] == 1
    assert tick("2026-03-10T08:01:00Z")["sent"] == 1  # the 08:01 one; the 08:00 one waits
    assert tick("2026-03-10T08:02:01Z")["sent"] == 1
    keys = [m["android"]["collapse_key"] for m in service.sends()]
    assert len(keys) == 3 and keys[0] == keys[2] != keys[1]  # 503, the other rule, the retry


def test_fcm_rejected_token_is_refreshed_once(app, fcm, fcm_patient, tick):
    service, backend = fcm
    backend.access_token()
    service.issued = "ya29.rotated"
    assert tick("2026-03-10T08:00:00Z")["sent"] == 1
    assert service.token_requests == 2


def test_a_refused_fcm_token_is_retried_and_nothing_is_sent(app, use_backend, fcm_patient, tick, occurrences, tmp_path):
    with FakeFcm(tmp_path) as service, FakeService() as token:
        token.default = (400, {"Content-Type": "application/json"}, b'{"error": "invalid_grant"}')
        account = json.loads(service.credentials.read_text())
        service.credentials.write_text(json.dumps({**account, "token_uri": f"{token.url}/token"}))
        config = {
            **app.config,
            "BONECARE_FCM_CREDENTIALS": str(service.credentials),
            "BONECARE_FCM_ENDPOINT": service.url,
        }
        use_backend(FcmBackend(config))
        assert tick("2026-03-10T08:00:00Z")["retrying"] == 1
        assert len(token.requests) == 1 and service.sends() == []
    [retried] = [o for o in occurrences(status="pending") if o.attempts == 1]
    assert retried.last_error == "token endpoint answered 400" and retried.next_attempt_at is not None


def test_backend_is_chosen_by_configuration(app, tmp_path):
    private, _ = _vapid_key()
    saved = dict(app.config)
    try:
        app.config.update(BONECARE_PUSH_BACKEND="webpush", BONECARE_VAPID_PRIVATE_KEY=private)
        app.extensions.pop("bonecare.push", None)
        assert backend_for(app).name == "webpush"
        app.extensions.pop("bonecare.push", None)
        app.config.update(BONECARE_PUSH_BACKEND="log")
        assert backend_for(app).name == "log"
    finally:
        app.config.clear()
        app.config.update(saved)
        app.extensions.pop("bonecare.push", None)


def test_one_dead_device_does_not_stop_the_others(app, auth, clock, webpush, push_service, tick, occurrences):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    gone, alive = Subscriber(f"{push_service.url}/push/gone"), Subscriber(f"{push_service.url}/push/alive")
    for subscriber in (gone, alive):
        patient.post(
            "/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": subscriber.subscription()}
        )
    patient.post("/api/v1/patients/me/reminders", json={"kind": "custom", "time_of_day": "08:00"})
    push_service.default = lambda r: (410, {}, b"") if r["path"].endswith("gone") else (201, {}, b"")
    assert tick(DUE)["sent"] == 1
    received = [r for r in push_service.requests if r["path"].endswith("alive")]
    assert json.loads(json.dumps(alive.decrypt(received[0]["body"])))["title"] == "Reminder"
    with app.app_context():
        assert db.session.query(Device).filter_by(active=True).count() == 1


def test_signing_out_silences_that_sessions_devices(auth, clock, webpush, push_service, tick, occurrences):
    """The phone she signed out on receives nothing more; her other phone, still signed in, keeps receiving."""
    clock.set("2026-03-10T06:00:00Z")
    phone = auth.as_patient(timezone="UTC")
    tablet = Caller(phone.client, phone.id, phone.email, "patient", auth.login(phone.email))
    for caller, name in ((phone, "phone"), (tablet, "tablet")):
        subscription = Subscriber(f"{push_service.url}/push/{name}").subscription()
        device = caller.put(
            f"/api/v1/patients/me/devices/{uuid.uuid4()}", json={"platform": "webpush", "subscription": subscription}
        )
        assert device.status_code == 201
    phone.post("/api/v1/patients/me/reminders", json={"kind": "custom", "time_of_day": "08:00"})
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert tick(DUE)["sent"] == 1
    assert [r["path"] for r in push_service.requests] == ["/push/tablet"]
    assert tablet.post("/api/v1/auth/logout").status_code == 204
    assert tick("2026-03-11T08:00:00Z")["sent"] == 0
    assert [r["path"] for r in push_service.requests] == ["/push/tablet"]
    assert [o.status for o in occurrences()][:2] == ["sent", "failed"]  # the second day had no device to reach
