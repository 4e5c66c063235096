"""APNs against a fake APNs on loopback (HTTP/2 over TLS, provider tokens checked), and several back-ends at once."""

import json
import socket
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bonecare.extensions import db
from bonecare.reminders.models import Device
from bonecare.reminders.push import CompositeBackend, backend_for
from bonecare.reminders.push.apns import ApnsBackend
from bonecare.reminders.push.base import Message
from bonecare.reminders.push.http import SEND_CONCURRENCY
from tests.problems import assert_problem
from tests.reminders.conftest import at
from tests.reminders.fakes import FakeApns, FakeFcm, FakeService, Subscriber, apns_error
from tests.reminders.test_push import _vapid_key

DUE = "2026-03-10T08:00:00Z"
DEVICES = "/api/v1/patients/me/devices"
IPHONE = "5d" * 32  # a 32-byte device token in hex
DOSE = {"calcium_mg": 600, "vitamin_d_iu": 800, "source": "supplement", "product": "Calcichew D3"}
MESSAGE = Message(str(uuid.uuid4()), "reminder:1:2026-03-10", "Time for your daily routine", "", 600)


@pytest.fixture
def fake_apns(tmp_path):
    with FakeApns(tmp_path) as service:
        yield service


@pytest.fixture
def apns(app, fake_apns, use_backend):
    return use_backend(ApnsBackend({**app.config, **fake_apns.config()}))


@pytest.fixture
def iphone(auth, clock):
    """A patient (UTC) with an iPhone and a daily 08:00 supplement rule whose `done` logs a dose."""
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    device = patient.post(DEVICES, json={"platform": "apns", "token": IPHONE})
    assert device.status_code == 201, device.json
    rule = {"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False, "log_on_done": DOSE}
    assert patient.post("/api/v1/patients/me/reminders", json=rule).status_code == 201
    return patient, device.json["id"]


@pytest.fixture
def configured(app):
    """configured(**settings): the app's config for this test, its push back-end made afresh."""
    saved = dict(app.config)

    def update(**settings):
        app.config.update(settings)
        app.extensions.pop("bonecare.push", None)
        return app

    yield update
    app.config.clear()
    app.config.update(saved)
    app.extensions.pop("bonecare.push", None)


def _active(app, device_id) -> bool:
    with app.app_context():
        return db.session.get(Device, uuid.UUID(device_id)).active


def test_a_reminder_reaches_apns_with_the_topic_a_valid_provider_token_and_a_generic_payload(
    fake_apns, apns, iphone, tick, occurrences
):
    assert tick(DUE)["sent"] == 1
    [request] = fake_apns.accepted
    [occurrence] = occurrences(status="sent")
    headers = request["headers"]
    assert fake_apns.protocols == ["h2"]
    assert request["method"] == "POST" and fake_apns.device_token(request) == IPHONE
    assert headers["apns-topic"] == FakeApns.TOPIC
    assert headers["apns-push-type"] == "alert" and headers["apns-priority"] == "10"
    assert headers["apns-collapse-id"] == Message("", occurrence.key, "", "", 0).topic
    assert headers["apns-id"] == str(occurrence.id)
    assert abs(int(headers["apns-expiration"]) - (time.time() + 7200)) < 60  # the grace window still ahead
    token = headers["authorization"].removeprefix("bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": FakeApns.KEY_ID, "typ": "JWT"}
    assert fake_apns.claims(request)["iss"] == FakeApns.TEAM_ID
    payload = json.loads(request["body"])
    assert payload == {
        "aps": {
            "alert": {"title": "Time for your daily routine", "body": "Open the app to see today's plan."},
            "sound": "default",
            "category": "REMINDER_DONE_SNOOZE",
            "thread-id": "supplement",
        },
        "occurrence_id": str(occurrence.id),
        "kind": "supplement",
        "actions": [{"action": "done", "title": "Done"}, {"action": "snooze", "title": "Remind me later"}],
        "url": "/today",
    }
    without_ids = request["body"].decode().replace(str(occurrence.id), "")  # a random id may hold "600" or "800"
    assert not any(word in without_ids for word in ("600", "800", "Calcichew", "mg"))


@pytest.mark.parametrize(
    "answer",
    [apns_error(410, "Unregistered"), apns_error(400, "BadDeviceToken"), apns_error(400, "DeviceTokenNotForTopic")],
)
def test_a_gone_device_token_deactivates_the_device_and_nothing_more_is_sent_to_it(
    app, fake_apns, apns, iphone, tick, answer
):
    _, device_id = iphone
    fake_apns.script.append(answer)
    summary = tick(DUE)
    assert summary["failed"] == 1 and summary["retrying"] == 0
    assert _active(app, device_id) is False
    assert tick("2026-03-11T08:00:00Z")["failed"] == 1  # the next day's: no device left, nothing posted
    assert len(fake_apns.requests) == 1


def test_too_many_requests_waits_for_retry_after_then_delivers_once(fake_apns, apns, iphone, tick, occurrences):
    fake_apns.script.append(apns_error(429, "TooManyRequests", {"retry-after": "600"}))
    assert tick(DUE)["retrying"] == 1
    [pending] = occurrences(status="pending", local_date=at(DUE).date())
    assert pending.next_attempt_at >= at(DUE) + timedelta(seconds=600)
    assert "TooManyRequests" in pending.last_error
    assert tick("2026-03-10T08:05:00Z")["sent"] == 0 and len(fake_apns.requests) == 1
    assert tick("2026-03-10T08:10:01Z")["sent"] == 1
    [sent] = occurrences(status="sent")
    assert sent.attempts == 2 and sent.late is True
    assert len(fake_apns.accepted) == 1 and len(fake_apns.requests) == 2


def test_a_server_error_is_retried_and_a_bad_request_is_not(fake_apns, apns):
    device = Device(platform="apns", token=IPHONE)
    fake_apns.script.extend([apns_error(503, "ServiceUnavailable"), apns_error(400, "BadCollapseId")])
    assert apns.send(device, MESSAGE).kind == "retry"
    failed = apns.send(device, MESSAGE)
    assert failed.kind == "error" and failed.detail == "push service answered 400 (BadCollapseId)"


@pytest.mark.parametrize("reason", ["ExpiredProviderToken", "InvalidProviderToken"])
def test_a_refused_provider_token_is_signed_anew_once_and_the_push_goes_through(
    fake_apns, apns, iphone, tick, occurrences, reason
):
    fake_apns.script.append(apns_error(403, reason))
    assert tick(DUE)["sent"] == 1
    refused, accepted = fake_apns.provider_tokens()
    assert refused != accepted and fake_apns.accepted[0]["headers"]["authorization"] == f"bearer {accepted}"
    assert occurrences(status="sent")[0].attempts == 1
    assert apns.provider_token() == accepted  # and it is the one kept


def test_a_token_refused_again_within_20_minutes_is_not_signed_anew(fake_apns, apns):
    device = Device(platform="apns", token=IPHONE)
    fake_apns.default = apns_error(403, "InvalidProviderToken")  # a wrong key id, say: a new token does not help
    first = apns.send(device, MESSAGE)
    assert first.kind == "error" and "InvalidProviderToken" in first.detail
    assert len(set(fake_apns.provider_tokens())) == 2
    apns.send(device, MESSAGE)  # Apple would refuse another new token this soon
    assert len(fake_apns.requests) == 3 and len(set(fake_apns.provider_tokens())) == 2
    real = time.time
    apns.clock = lambda: real() + 21 * 60
    apns.send(device, MESSAGE)
    assert len(set(fake_apns.provider_tokens())) == 3


def test_twenty_pushes_at_once_all_arrive_first_time_under_one_provider_token(fake_apns, apns):
    """A burst overlaps its sends on the back-end's threads; none is refused by the server (frames of one
    connection out of order would end it with PROTOCOL_ERROR and fail every push in flight) and the JWT is
    signed once."""
    devices = [Device(platform="apns", token=f"{i:064x}") for i in range(40)]
    outcomes = apns.map(lambda device: apns.send(device, MESSAGE), devices)
    assert [(o.kind, o.detail) for o in outcomes] == [("ok", "")] * 40
    assert sorted(fake_apns.device_token(r) for r in fake_apns.accepted) == sorted(d.token for d in devices)
    assert len(set(fake_apns.provider_tokens())) == 1
    assert len(fake_apns.connections) <= SEND_CONCURRENCY  # a connection per send thread at most


def test_sends_one_after_another_reuse_one_connection(fake_apns, apns):
    for i in range(5):
        assert apns.send(Device(platform="apns", token=f"{i:064x}"), MESSAGE).kind == "ok"
    assert len(fake_apns.connections) == 1 and fake_apns.protocols == ["h2"]


def test_the_provider_token_is_reused_then_renewed_before_apple_would_refuse_it(fake_apns, apns):
    device = Device(platform="apns", token=IPHONE)
    real = time.time
    apns.clock = lambda: real() - 41 * 60  # signed 41 minutes ago: still good for Apple (an hour)
    assert apns.send(device, MESSAGE).kind == "ok" and apns.send(device, MESSAGE).kind == "ok"
    apns.clock = real
    assert apns.send(device, MESSAGE).kind == "ok"
    first, again, renewed = fake_apns.provider_tokens()
    assert first == again != renewed
    assert len(fake_apns.accepted) == 3


def test_a_certificate_the_worker_does_not_trust_is_never_sent_to(app, fake_apns):
    untrusting = ApnsBackend({**app.config, **fake_apns.config(), "BONECARE_APNS_CA_FILE": None})
    outcome = untrusting.send(Device(platform="apns", token=IPHONE), MESSAGE)
    assert outcome.kind == "retry" and outcome.detail == "network error: ConnectError"
    assert fake_apns.requests == []


def test_a_network_failure_is_retried(app, fake_apns):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    backend = ApnsBackend({**app.config, **fake_apns.config(), "BONECARE_APNS_ENDPOINT": f"https://127.0.0.1:{port}"})
    outcome = backend.send(Device(platform="apns", token=IPHONE), MESSAGE)
    assert outcome.kind == "retry" and outcome.detail == "network error: ConnectError"


@pytest.fixture
def three_platforms(app, auth, clock, tmp_path, configured):
    """A patient with a browser, an Android phone and an iPhone, and the worker configured for all three."""
    private, _ = _vapid_key()
    with FakeService() as browser_push, FakeFcm(tmp_path) as fcm, FakeApns(tmp_path) as apple:
        configured(
            BONECARE_PUSH_BACKEND="webpush, fcm,apns",
            BONECARE_VAPID_PRIVATE_KEY=private,
            BONECARE_FCM_CREDENTIALS=str(fcm.credentials),
            BONECARE_FCM_ENDPOINT=fcm.url,
            **apple.config(),
        )
        clock.set("2026-03-10T06:00:00Z")
        patient = auth.as_patient(timezone="UTC")
        browser = Subscriber(f"{browser_push.url}/push/browser")
        for device in (
            {"platform": "webpush", "subscription": browser.subscription()},
            {"platform": "fcm", "token": "android-token"},
            {"platform": "apns", "token": IPHONE},
        ):
            assert patient.post(DEVICES, json=device).status_code == 201
        yield patient, browser, browser_push, fcm, apple


def test_several_back_ends_send_each_device_through_its_own_platform(app, three_platforms, tick, occurrences):
    patient, browser, browser_push, fcm, apple = three_platforms
    patient.post("/api/v1/patients/me/reminders", json={"kind": "exercise", "time_of_day": "08:00"})
    backend = backend_for(app)
    assert isinstance(backend, CompositeBackend) and backend.platforms == ("webpush", "fcm", "apns")
    assert tick(DUE)["sent"] == 1
    [occurrence] = occurrences(status="sent")
    [web] = browser_push.requests
    assert web["path"] == "/push/browser" and browser.decrypt(web["body"])["occurrence_id"] == str(occurrence.id)
    assert [m["token"] for m in fcm.sends()] == ["android-token"]
    assert [apple.device_token(r) for r in apple.accepted] == [IPHONE]
    assert json.loads(apple.accepted[0]["body"])["occurrence_id"] == str(occurrence.id)
    assert len(apple.requests) == 1 and len(fcm.sends()) == 1


def test_a_device_whose_platform_has_no_back_end_fails_clearly(app, auth, clock, fake_apns, configured, tick):
    private, _ = _vapid_key()
    configured(BONECARE_PUSH_BACKEND="webpush,apns", BONECARE_VAPID_PRIVATE_KEY=private, **fake_apns.config())
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    patient.post(DEVICES, json={"platform": "fcm", "token": "android-only"})
    patient.post("/api/v1/patients/me/reminders", json={"kind": "custom", "time_of_day": "08:00"})
    assert tick(DUE)["failed"] == 1  # not loaded: she has no device on the platforms configured
    outcome = backend_for(app).send(Device(platform="fcm", token="android-only"), MESSAGE)
    assert outcome.kind == "error" and outcome.detail == "no push back-end for platform 'fcm'"
    assert fake_apns.requests == []


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("unknown", "unknown BONECARE_PUSH_BACKEND 'pigeon'; one of log, noop, webpush, fcm, apns"),
        ("with-log", "BONECARE_PUSH_BACKEND: log and noop stand alone, not in a list"),
        ("BONECARE_APNS_KEY_FILE", "BONECARE_PUSH_BACKEND=apns needs BONECARE_APNS_KEY_FILE"),
        ("BONECARE_APNS_KEY_ID", "BONECARE_PUSH_BACKEND=apns needs BONECARE_APNS_KEY_ID (the signing key's id)"),
        ("BONECARE_APNS_TEAM_ID", "BONECARE_PUSH_BACKEND=apns needs BONECARE_APNS_TEAM_ID"),
        ("BONECARE_APNS_TOPIC", "BONECARE_PUSH_BACKEND=apns needs BONECARE_APNS_TOPIC (the app's bundle id)"),
        ("rsa-key", "not an EC P-256 key"),
        ("no-key", "cannot read a .p8 key (FileNotFoundError)"),
        ("http", "must be an https origin"),
    ],
)
def test_a_wrong_push_setting_stops_the_worker_at_start_saying_which(fake_apns, configured, tmp_path, setting, message):
    settings = {**fake_apns.config(), "BONECARE_PUSH_BACKEND": "apns"}
    if setting == "unknown":
        settings["BONECARE_PUSH_BACKEND"] = "apns,pigeon"
    elif setting == "with-log":
        settings["BONECARE_PUSH_BACKEND"] = "log,apns"
    elif setting == "rsa-key":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        rsa_file = tmp_path / "rsa.p8"
        rsa_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        settings["BONECARE_APNS_KEY_FILE"] = str(rsa_file)
    elif setting == "no-key":
        settings["BONECARE_APNS_KEY_FILE"] = str(tmp_path / "missing.p8")
    elif setting == "http":
        settings["BONECARE_APNS_ENDPOINT"] = fake_apns.url.replace("https:", "http:")
    else:
        settings[setting] = None
    app = configured(**settings)
    result = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert result.exit_code == 1, result.output
    assert message in result.output and "starting" not in result.output


def test_one_name_still_makes_that_one_back_end(app, fake_apns, configured):
    assert backend_for(configured(BONECARE_PUSH_BACKEND="log")).name == "log"
    apns = backend_for(configured(BONECARE_PUSH_BACKEND="apns,apns", **fake_apns.config()))
    assert isinstance(apns, ApnsBackend)


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "apns", "token": "not-hex-" * 10},
        {"platform": "apns", "token": "ab" * 31},  # 62 digits: too short
        {"platform": "apns", "token": "ab" * 101},  # 202 digits: too long
        {"platform": "apns"},
        {
            "platform": "apns",
            "token": IPHONE,
            "subscription": Subscriber("https://web.push.apple.com/x").subscription(),
        },
    ],
)
def test_an_apns_device_takes_a_hex_device_token(auth, body):
    patient = auth.as_patient()
    problem = assert_problem(patient.post(DEVICES, json=body), 422, "validation-error", "token")
    if "subscription" not in body and "token" in body:
        assert problem["errors"]["token"] == ["An apns token is the device token in hex: 64 to 200 digits 0-9 and a-f."]


def test_an_apns_device_is_registered_once_by_its_token(auth):
    patient = auth.as_patient()
    first = patient.post(DEVICES, json={"platform": "apns", "token": IPHONE})
    assert first.status_code == 201 and first.json["platform"] == "apns"
    assert patient.post(DEVICES, json={"platform": "apns", "token": IPHONE}).json["id"] == first.json["id"]
