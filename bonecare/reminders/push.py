"""Push back-ends behind one small interface: log, noop, webpush (RFC 8030/8291/8292) and FCM HTTP v1."""

import email.utils
import hashlib
import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import requests

from bonecare.reminders.egress import GuardedSession, Refused, Resolve
from bonecare.reminders.endpoints import b64url, endpoint_problem

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Sends in flight at once for a network back-end.
SEND_CONCURRENCY = 16
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@dataclass(frozen=True)
class Message:
    """What one occurrence sends: generic words, its key (for collapsing) and how long it stays useful."""

    occurrence_id: str
    key: str
    title: str
    body: str
    ttl_seconds: int

    def payload(self) -> dict:
        """The notification the app receives: no health detail, just words and where to go."""
        return {
            "title": self.title,
            "body": self.body,
            "tag": self.topic,
            "url": "/today",
            "occurrence_id": self.occurrence_id,
        }

    @property
    def topic(self) -> str:
        """The collapse key sent for this occurrence: its key hashed to 32 URL-safe base64 characters (a Web Push
        Topic's limit), so that no push service reads what the key says (a "dxa:" key would tell of a scan)."""
        return b64url(hashlib.sha256(self.key.encode()).digest()[:24])


@dataclass(frozen=True)
class Outcome:
    """How one send went: ok, dead (device gone), retry (maybe later) or error (give up)."""

    kind: str
    detail: str = ""
    retry_after: timedelta | None = field(default=None)


OK = Outcome("ok")


def retry_after_of(response) -> timedelta | None:
    """A response's Retry-After (seconds or an HTTP date) as a delay."""
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - datetime.now(UTC), timedelta(0))


def classify_status(status: int, response, dead_statuses=(404, 410)) -> Outcome:
    """A push service's HTTP status as an outcome."""
    if status < 300:
        return OK
    if status in dead_statuses:
        return Outcome("dead", f"push service answered {status}")
    if status == 429 or status >= 500 or status == 408:
        return Outcome("retry", f"push service answered {status}", retry_after_of(response))
    return Outcome("error", f"push service answered {status}")


class Backend:
    """Delivers a message to one device (or, for back-ends that need none, to the log)."""

    name = "base"
    platforms: tuple[str, ...] = ()  # the device platforms it delivers to; () means it needs no device

    def send(self, device, message: Message) -> Outcome:
        """Deliver one message to one device (None for device-less back-ends)."""
        raise NotImplementedError

    def map(self, func, items: list) -> list:
        """Run func over a batch's sends: one after another here; network back-ends overlap them."""
        return [func(item) for item in items]


class LogBackend(Backend):
    """Records and logs only (the default)."""

    name = "log"

    def send(self, device, message: Message) -> Outcome:
        """Log which occurrence fell due; never its words, which a patient may have written."""
        log.info("reminder %s delivered to the log back-end", message.occurrence_id)
        return OK


class NoopBackend(Backend):
    """Does nothing and succeeds (benchmarks)."""

    name = "noop"

    def send(self, device, message: Message) -> Outcome:
        """Succeed at once."""
        return OK


class _HttpBackend(Backend):
    """Shared by the HTTP back-ends: a pooled, guarded session per thread (resolve is the seam for DNS) and
    network errors as retries."""

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        self.config = config
        self.allowed_hosts = config.get("BONECARE_PUSH_ALLOWED_HOSTS") or []
        self.resolve = resolve
        self.timeout = TIMEOUT_SECONDS
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    def map(self, func, items: list) -> list:
        """Overlap the sends on a lasting pool of threads, each with its own keep-alive connection."""
        if len(items) < 2:
            return [func(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=SEND_CONCURRENCY, thread_name_prefix=f"push-{self.name}")
        return list(self._pool.map(func, items))

    @property
    def http(self) -> requests.Session:
        """This thread's pooled HTTP session."""
        if not hasattr(self._local, "session"):
            self._local.session = GuardedSession(self.allowed_hosts, self.resolve)
        return self._local.session

    def send(self, device, message: Message) -> Outcome:
        """Send, turning a refused address into a final error and network failures into retries."""
        try:
            return self._send(device, message)
        except Refused as exc:
            return Outcome("error", f"endpoint refused: {exc}")
        except requests.RequestException as exc:
            return Outcome("retry", f"network error: {type(exc).__name__}")

    def _send(self, device, message: Message) -> Outcome:
        raise NotImplementedError


class WebPushBackend(_HttpBackend):
    """Web Push with VAPID, RFC 8291 aes128gcm encryption, an explicit TTL and a Topic."""

    name = "webpush"
    platforms = ("webpush",)

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        super().__init__(config, resolve)
        from py_vapid import Vapid

        key = config.get("BONECARE_VAPID_PRIVATE_KEY")
        if not key:
            raise RuntimeError("BONECARE_PUSH_BACKEND=webpush needs BONECARE_VAPID_PRIVATE_KEY")
        self.vapid = Vapid.from_string(key)
        self.subject = config.get("BONECARE_VAPID_SUBJECT") or "mailto:admin@bonecare.invalid"

    def _send(self, device, message: Message) -> Outcome:
        from pywebpush import WebPushException, webpush

        problem = endpoint_problem(device.endpoint or "", self.allowed_hosts)
        if problem:
            return Outcome("error", f"endpoint refused: {problem}")
        subscription = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        try:
            response = webpush(
                subscription,
                json.dumps(message.payload()),
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},
                ttl=message.ttl_seconds,
                timeout=self.timeout,
                headers={"Topic": message.topic, "Urgency": "high"},
                requests_session=self.http,
            )
        except WebPushException as exc:
            if exc.response is None:
                return Outcome("error", str(exc)[:200])
            return classify_status(exc.response.status_code, exc.response)
        return classify_status(response.status_code, response)


class FcmBackend(_HttpBackend):
    """FCM HTTP v1: a service account's OAuth2 token (JWT bearer grant), one message per token."""

    name = "fcm"
    platforms = ("fcm",)

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        super().__init__(config, resolve)
        path = config.get("BONECARE_FCM_CREDENTIALS")
        if not path:
            raise RuntimeError("BONECARE_PUSH_BACKEND=fcm needs BONECARE_FCM_CREDENTIALS (a service-account file)")
        with open(path) as handle:
            self.account = json.load(handle)
        self.endpoint = (config.get("BONECARE_FCM_ENDPOINT") or "https://fcm.googleapis.com").rstrip("/")
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def access_token(self, force: bool = False) -> str:
        """A cached OAuth2 access token, fetched with a signed JWT assertion when missing or stale."""
        with self._lock:
            if force or self._token is None or self._token[1] < time.time() + 60:
                issued = int(time.time())
                assertion = pyjwt.encode(
                    {
                        "iss": self.account["client_email"],
                        "scope": FCM_SCOPE,
                        "aud": self.account["token_uri"],
                        "iat": issued,
                        "exp": issued + 3600,
                    },
                    self.account["private_key"],
                    algorithm="RS256",
                    headers={"kid": self.account.get("private_key_id")} if self.account.get("private_key_id") else None,
                )
                response = self.http.post(
                    self.account["token_uri"],
                    timeout=self.timeout,
                    data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
                )
                if response.status_code >= 300:  # a redirect included: it is not followed
                    raise requests.HTTPError(f"token endpoint answered {response.status_code}", response=response)
                body = response.json()
                self._token = (body["access_token"], issued + int(body.get("expires_in", 3600)))
            return self._token[0]

    def _body(self, device, message: Message) -> dict:
        ttl = f"{message.ttl_seconds}s"
        data = {k: str(v) for k, v in message.payload().items()}
        return {
            "message": {
                "token": device.token,
                "notification": {"title": message.title, "body": message.body},
                "data": data,
                "android": {"collapse_key": message.topic, "ttl": ttl, "priority": "high"},
                "apns": {
                    "headers": {
                        "apns-collapse-id": message.topic,
                        "apns-expiration": str(int(time.time()) + message.ttl_seconds),
                    }
                },
                "webpush": {"headers": {"Topic": message.topic, "TTL": str(message.ttl_seconds)}},
            }
        }

    def _send(self, device, message: Message) -> Outcome:
        url = f"{self.endpoint}/v1/projects/{self.account['project_id']}/messages:send"
        try:
            token = self.access_token()
        except requests.HTTPError as exc:
            status = exc.response.status_code
            return Outcome("error" if status < 400 else "retry", f"token endpoint answered {status}")
        response = self.http.post(
            url, json=self._body(device, message), timeout=self.timeout, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code == 401:  # the token was revoked or expired early: once more with a fresh one
            response = self.http.post(
                url,
                json=self._body(device, message),
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.access_token(force=True)}"},
            )
        outcome = classify_status(response.status_code, response, dead_statuses=(404,))
        if outcome.kind == "error" and _fcm_error_code(response) == "UNREGISTERED":  # FCM's 400 for a dead token
            return Outcome("dead", "FCM: UNREGISTERED")
        return outcome


def _fcm_error_code(response) -> str | None:
    """The errorCode of an FCM v1 error body, if any."""
    try:
        details = response.json().get("error", {}).get("details", [])
    except ValueError:
        return None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return detail["errorCode"]
    return None


BACKENDS = {"log": LogBackend, "noop": NoopBackend, "webpush": WebPushBackend, "fcm": FcmBackend}


def backend_for(app) -> Backend:
    """The app's push back-end (BONECARE_PUSH_BACKEND), made once."""
    backend = app.extensions.get("bonecare.push")
    if backend is None:
        name = app.config.get("BONECARE_PUSH_BACKEND") or "log"
        if name not in BACKENDS:
            raise RuntimeError(f"unknown BONECARE_PUSH_BACKEND {name!r}; one of {', '.join(BACKENDS)}")
        cls = BACKENDS[name]
        backend = cls(app.config) if issubclass(cls, _HttpBackend) else cls()
        app.extensions["bonecare.push"] = backend
    return backend
