"""Server-side request forgery through push endpoints: the real senders against loopback listeners that record
every TCP connection they accept. Each back-end here has its own allow list, which never names the listeners'
address, so a connection that arrives is a forgery that got through."""

import json
import socket

import pytest

from bonecare.reminders.models import Device
from bonecare.reminders.push.apns import ApnsBackend
from bonecare.reminders.push.base import Message
from bonecare.reminders.push.fcm import FcmBackend
from bonecare.reminders.push.webpush import WebPushBackend
from tests.problems import assert_problem
from tests.reminders.fakes import FakeApns, FakeFcm, FakeService, Subscriber
from tests.reminders.test_push import _vapid_key

MESSAGE = Message("occurrence-1", "supplement:1", "Time for your daily routine", "", 600)


class Listener(FakeService):
    """A loopback HTTP service that also counts the TCP connections it accepts, TLS hellos included."""

    def __init__(self):
        super().__init__()
        self.connections = 0

        def verify_request(request, client_address):
            self.connections += 1
            return True

        self.server.verify_request = verify_request

    @property
    def port(self) -> int:
        return self.server.server_address[1]


@pytest.fixture
def listener():
    with Listener() as service:
        yield service
    assert service.connections == 0, "the server was made to connect to the listener"


@pytest.fixture
def second():
    """Where a redirect points; it must never be reached."""
    with Listener() as service:
        yield service
    assert service.connections == 0, "a redirect was followed"


def resolver(names: dict[str, list[str]]):
    """A getaddrinfo that answers these names with these addresses (a DNS we control) and others as usual."""

    def resolve(host, port, *args, **kwargs):
        if host not in names:
            return socket.getaddrinfo(host, port, *args, **kwargs)
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [(family[6 if ":" in a else 4], socket.SOCK_STREAM, 6, "", (a, port)) for a in names[host]]

    return resolve


def webpush_backend(app, allowed: list[str], names: dict[str, list[str]] | None = None) -> WebPushBackend:
    private, _ = _vapid_key()
    config = {**app.config, "BONECARE_VAPID_PRIVATE_KEY": private, "BONECARE_PUSH_ALLOWED_HOSTS": allowed}
    backend = WebPushBackend(config, resolver(names)) if names else WebPushBackend(config)
    backend.timeout = 5  # a guard that failed to refuse must not hang the run on an unroutable address
    return backend


def device(endpoint: str) -> Device:
    keys = Subscriber(endpoint).subscription()["keys"]
    return Device(platform="webpush", endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"])


@pytest.mark.parametrize(
    "endpoint",
    [
        # urlsplit reads the bracketed v1.push.apple.com (a valid "IPvFuture"); the client ends the host at "\\"
        "https://127.0.0.1:{port}\\[v1.push.apple.com]/p",
        "http://127.0.0.1:{port}\\push.test/p",
        "https://x.push.apple.com@127.0.0.1:{port}/p",  # userinfo
        "http://push.test:{port}@127.0.0.1:{port}/p",
        "http://[::ffff:127.0.0.1]:{port}/p",  # IPv4-mapped IPv6
        "http://localhost:{port}/p",  # a name that resolves to loopback
    ],
)
def test_web_push_never_connects_to_a_forged_endpoint(app, listener, endpoint):
    outcome = webpush_backend(app, ["push.test"]).send(device(endpoint.format(port=listener.port)), MESSAGE)
    assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome


@pytest.mark.parametrize("addresses", [["127.0.0.1"], ["::ffff:127.0.0.1", "127.0.0.1"], ["::1", "127.0.0.1"]])
def test_web_push_never_connects_to_a_push_looking_name_that_resolves_to_loopback(app, listener, addresses):
    # Registered when the name looked fine; at send time our DNS answers with loopback (plain or in IPv6).
    backend = webpush_backend(app, ["push.test"], {"rebind.push.apple.com": addresses})
    outcome = backend.send(device(f"https://rebind.push.apple.com:{listener.port}/p"), MESSAGE)
    assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome


def test_the_backslash_host_of_the_report_is_refused_without_a_connection(app):
    # The client would connect to 127.0.0.1:443 and 169.254.169.254:443; nothing is listening there to record
    # it, so the outcome says what happened: refused (a final error), not a network error to retry.
    backend = webpush_backend(app, [])
    for endpoint in ("https://127.0.0.1\\x.push.apple.com/p", "https://169.254.169.254\\.web.push.apple.com/p"):
        outcome = backend.send(device(endpoint), MESSAGE)
        assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.7",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - an address the worker must refuse, not one bound
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::",
        "::ffff:10.0.0.7",
        "::127.0.0.1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "64:ff9b::7f00:1",
    ],
)
def test_no_private_address_is_reached_through_a_push_looking_name(app, address):
    backend = webpush_backend(app, ["127.0.0.1"], {"evil.push.apple.com": [address]})
    outcome = backend.send(device("https://evil.push.apple.com/p"), MESSAGE)
    assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome


def test_a_host_in_the_allow_list_is_reached_at_its_private_address(app):
    backend = webpush_backend(app, ["push.test"], {"push.test": ["127.0.0.1"]})
    with Listener() as allowed:
        assert backend.send(device(f"http://push.test:{allowed.port}/p"), MESSAGE).kind == "ok"
    assert allowed.connections == 1 and [r["path"] for r in allowed.requests] == ["/p"]


def test_web_push_does_not_follow_a_307_to_a_second_listener(app, second):
    with Listener() as first:
        first.default = (307, {"Location": f"http://localhost:{second.port}/steal"}, b"")
        backend = webpush_backend(app, ["localhost"])  # no resolver seam: the system's localhost
        outcome = backend.send(device(f"http://localhost:{first.port}/p"), MESSAGE)
        assert outcome.kind == "error" and "307" in outcome.detail
        assert len(first.requests) == 1


@pytest.fixture
def fake_fcm(tmp_path):
    with FakeFcm(tmp_path) as service:
        yield service


def fcm_backend(app, service: FakeFcm, allowed: list[str], endpoint: str | None = None) -> FcmBackend:
    config = {
        **app.config,
        "BONECARE_FCM_CREDENTIALS": str(service.credentials),
        "BONECARE_FCM_ENDPOINT": endpoint or service.url,
        "BONECARE_PUSH_ALLOWED_HOSTS": allowed,
    }
    return FcmBackend(config)


def test_fcm_token_fetch_and_send_never_reach_a_loopback_service_not_allowed(app, fake_fcm):
    for endpoint in (None, f"http://localhost:{fake_fcm.server.server_address[1]}"):
        backend = fcm_backend(app, fake_fcm, [], endpoint)
        outcome = backend.send(Device(platform="fcm", token="fcm-token-1"), MESSAGE)
        assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome
    assert fake_fcm.requests == []


def test_fcm_does_not_follow_a_307_from_the_message_endpoint(app, fake_fcm, second):
    fake_fcm.script.append((307, {"Location": f"{second.url}/v1/projects/demo-project/messages:send"}, b""))
    outcome = fcm_backend(app, fake_fcm, ["127.0.0.1"]).send(Device(platform="fcm", token="t"), MESSAGE)
    assert outcome.kind == "error" and "307" in outcome.detail


def test_fcm_does_not_follow_a_307_from_the_token_endpoint(app, fake_fcm, second):
    account = json.loads(fake_fcm.credentials.read_text())
    with Listener() as token:
        token.default = (307, {"Location": f"{second.url}/token"}, b"")
        fake_fcm.credentials.write_text(json.dumps({**account, "token_uri": f"{token.url}/token"}))
        outcome = fcm_backend(app, fake_fcm, ["127.0.0.1"]).send(Device(platform="fcm", token="t"), MESSAGE)
        assert outcome.kind == "error" and "307" in outcome.detail
        assert len(token.requests) == 1
    assert fake_fcm.sends() == []


@pytest.mark.parametrize(
    "endpoint", ["https://127.0.0.1:{port}", "https://localhost:{port}", "https://api.push.apple.com:{port}"]
)
def test_apns_never_connects_to_a_loopback_service_not_allowed(app, tmp_path, endpoint):
    with FakeApns(tmp_path) as apple:
        port = apple.listener.getsockname()[1]
        config = {
            **app.config,
            **apple.config(),
            "BONECARE_APNS_ENDPOINT": endpoint.format(port=port),
            "BONECARE_PUSH_ALLOWED_HOSTS": [],
        }
        backend = ApnsBackend(config, resolver({"api.push.apple.com": ["127.0.0.1"]}))
        outcome = backend.send(Device(platform="apns", token="ab" * 32), MESSAGE)
        assert outcome.kind == "error" and outcome.detail.startswith("endpoint refused"), outcome
    assert apple.connections == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1\\x.push.apple.com/p",
        "https://169.254.169.254\\.web.push.apple.com/latest/meta-data",
        "https://127.0.0.1:8443\\[v1.push.apple.com]/p",
        "https://x.push.apple.com@127.0.0.1/p",
        "https://[::ffff:127.0.0.1]/p",
        "https://[::ffff:a9fe:a9fe]/p",
        "https://web.push.apple.com/p#fragment",
        "https://Web.Push.Apple.com/p",  # not as the client would send it
        "https://web.push.apple.com/a b",
    ],
)
def test_registering_a_forged_endpoint_is_422(auth, endpoint):
    patient = auth.as_patient()
    keys = Subscriber(endpoint).subscription()["keys"]
    response = patient.post(
        "/api/v1/patients/me/devices",
        json={"platform": "webpush", "subscription": {"endpoint": endpoint, "keys": keys}},
    )
    assert_problem(response, 422, "validation-error", "subscription.endpoint")


def test_a_push_name_rebound_to_loopback_fails_the_reminder_and_the_patient_sees_it(
    app, auth, clock, use_backend, tick, listener
):
    clock.set("2026-03-10T06:00:00Z")
    patient = auth.as_patient(timezone="UTC")
    subscriber = Subscriber(f"https://rebind.push.apple.com:{listener.port}/p")  # a fine name when registered
    assert (
        patient.post(
            "/api/v1/patients/me/devices", json={"platform": "webpush", "subscription": subscriber.subscription()}
        ).status_code
        == 201
    )
    patient.post(
        "/api/v1/patients/me/reminders", json={"kind": "supplement", "time_of_day": "08:00", "skip_if_done": False}
    )
    use_backend(webpush_backend(app, ["127.0.0.1", "localhost"], {"rebind.push.apple.com": ["127.0.0.1"]}))
    assert tick("2026-03-10T08:00:00Z")["failed"] == 1
    shown = patient.get("/api/v1/patients/me/notifications").json["items"]
    assert [n["status"] for n in shown if n["scheduled_for"].startswith("2026-03-10T08:00")] == ["failed"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB%2bx%3d",  # a lower-case escape means the same
        "https://fcm.googleapis.com/fcm/send/dJk:APA91bE-x_y",
        "https://web.push.apple.com/QGx",
    ],
)
def test_real_push_endpoints_still_register(auth, endpoint):
    patient = auth.as_patient()
    body = {"platform": "webpush", "subscription": Subscriber(endpoint).subscription()}
    assert patient.post("/api/v1/patients/me/devices", json=body).status_code == 201
