"""APNs: token-based provider authentication (an ES256 JWT made from the team's .p8 key and reused for 40
minutes), HTTP/2 with a client per send thread whose connections pass the address guard like every other push.

A client per thread, not one for all: httpcore's synchronous HTTP/2 takes a stream id and queues its frames
without a lock, so two threads can put stream 5 on the wire before stream 3, and a server (Apple's as our
loopback one) ends the connection with a PROTOCOL_ERROR, failing every push in flight on it. Apple welcomes
several connections; each thread keeps its own alive for its sends."""

import json
import math
import socket
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bonecare.reminders.egress import Resolve, guarded_http2_client
from bonecare.reminders.endpoints import APNS_DEVICE_TOKEN, strict_url
from bonecare.reminders.push.base import Message, Outcome
from bonecare.reminders.push.http import HttpBackend, classify_status

# Apple refuses a provider token older than an hour, and new tokens more often than once in 20 minutes.
TOKEN_REUSE_SECONDS = 40 * 60
RESIGN_GAP_SECONDS = 20 * 60
REFUSED_TOKEN = {"ExpiredProviderToken", "InvalidProviderToken"}  # 403: sign a fresh one and send again, once
DEAD_TOKEN = {"BadDeviceToken", "DeviceTokenNotForTopic"}  # 400 reasons that mean the device is gone (as 410 does)


class ApnsBackend(HttpBackend):
    """APNs over HTTP/2 with a provider token (BONECARE_APNS_KEY_FILE, _KEY_ID, _TEAM_ID; _TOPIC the bundle id)."""

    name = "apns"
    platforms = ("apns",)

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        super().__init__(config, resolve)
        key_file = self.setting("BONECARE_APNS_KEY_FILE", "the path of the .p8 signing key")
        self.key_id = self.setting("BONECARE_APNS_KEY_ID", "the signing key's id")
        self.team_id = self.setting("BONECARE_APNS_TEAM_ID", "the Apple developer team id")
        self.topic = self.setting("BONECARE_APNS_TOPIC", "the app's bundle id")
        self.key = _signing_key(key_file)
        self.endpoint = _endpoint(config.get("BONECARE_APNS_ENDPOINT") or "https://api.push.apple.com")
        self.ca_file = config.get("BONECARE_APNS_CA_FILE")
        self.clock = time.time  # wall-clock seconds: a token's iat and a push's expiration are read by Apple
        self._lock = threading.Lock()  # the send threads share one token: one signature at a time
        self._token: str | None = None
        self._signed_at = self._forced_at = -math.inf

    @property
    def client(self) -> httpx.Client:
        """This thread's HTTP/2 client (its connection kept alive between sends)."""
        if not hasattr(self._local, "client"):
            self._local.client = guarded_http2_client(self.allowed_hosts, self.resolve, self.ca_file)
        return self._local.client

    def provider_token(self, refused: str | None = None) -> str:
        """The provider token, signed anew when missing or 40 minutes old, or when APNs `refused` the current
        one (at most once in 20 minutes: more often, Apple refuses the new ones too)."""
        with self._lock:
            now = self.clock()
            forced = refused is not None and refused == self._token and now - self._forced_at >= RESIGN_GAP_SECONDS
            if forced or now - self._signed_at >= TOKEN_REUSE_SECONDS:
                claims = {"iss": self.team_id, "iat": int(now)}
                self._token = jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.key_id})
                self._signed_at = now
                self._forced_at = now if forced else self._forced_at
            return self._token

    def _send(self, device, message: Message) -> Outcome:
        if not APNS_DEVICE_TOKEN.fullmatch(device.token or ""):
            return Outcome("error", "not an APNs device token")
        try:
            return self._post(f"{self.endpoint}/3/device/{device.token}", message)
        except httpx.TransportError as exc:  # connect, TLS, timeout and HTTP/2 protocol failures
            return Outcome("retry", f"network error: {type(exc).__name__}")

    def _post(self, url: str, message: Message) -> Outcome:
        body, headers = _body(message), self._headers(message)
        token = self.provider_token()
        response = self._post_with(url, body, headers, token)
        if response.status_code == 403 and _reason(response) in REFUSED_TOKEN:
            fresh = self.provider_token(refused=token)
            if fresh != token:
                response = self._post_with(url, body, headers, fresh)
        return _outcome(response)

    def _post_with(self, url: str, body: bytes, headers: dict, token: str) -> httpx.Response:
        headers = {**headers, "authorization": f"bearer {token}"}
        return self.client.post(url, content=body, headers=headers, timeout=self.timeout)

    def _headers(self, message: Message) -> dict:
        headers = {
            "apns-topic": self.topic,
            "apns-push-type": "alert",
            "apns-priority": "10",
            # 0: deliver now or never; else Apple keeps trying until the grace window ends
            "apns-expiration": str(int(self.clock()) + message.ttl_seconds if message.ttl_seconds else 0),
            "apns-collapse-id": message.topic,
            "content-type": "application/json",
        }
        try:  # the occurrence's own id, so that Apple's answer and our records name the same notification
            headers["apns-id"] = str(uuid.UUID(message.occurrence_id))
        except ValueError:
            pass
        return headers


def category(message: Message) -> str:
    """The notification category the app registers for these buttons: REMINDER_DONE_SNOOZE, REMINDER_DONE,
    REMINDER_SNOOZE or REMINDER (iOS shows a category's actions; a payload cannot bring its own)."""
    return "_".join(["REMINDER", *(action.upper() for action, _ in message.actions)])


def _body(message: Message) -> bytes:
    """The payload: the alert in `aps`, and beside it the same fields as Web Push and FCM (never a health value)."""
    data = message.payload()
    alert = {"title": data.pop("title"), "body": data.pop("body")}
    del data["tag"]  # apns-collapse-id carries it
    aps = {"alert": alert, "sound": "default", "category": category(message), "thread-id": message.kind}
    return json.dumps({"aps": aps, **data}, separators=(",", ":")).encode()


def _reason(response: httpx.Response) -> str | None:
    """The reason of an APNs error body, if any."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("reason") if isinstance(body, dict) else None


def _outcome(response: httpx.Response) -> Outcome:
    """APNs' answer as an outcome: 410, or a 400 for a token that is not (or no longer) this app's, is a dead
    device; 429 and 5xx retry; the reason, Apple's own word, goes into the detail."""
    reason = _reason(response)
    if response.status_code == 400 and reason in DEAD_TOKEN:
        return Outcome("dead", f"APNs: {reason}")
    outcome = classify_status(response.status_code, response, dead_statuses=(410,))
    return replace(outcome, detail=f"{outcome.detail} ({reason})") if reason else outcome


def _signing_key(path: str) -> ec.EllipticCurvePrivateKey:
    """The .p8 key (PKCS#8 PEM, EC P-256) that signs provider tokens; its absence stops the worker at start."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise RuntimeError(f"BONECARE_APNS_KEY_FILE {path}: cannot read a .p8 key ({type(exc).__name__})") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise RuntimeError(f"BONECARE_APNS_KEY_FILE {path}: not an EC P-256 key, as an APNs .p8 key is")
    return key


def _endpoint(url: str) -> str:
    """BONECARE_APNS_ENDPOINT as an https origin; anything else stops the worker at start."""
    try:
        parts = strict_url(url.rstrip("/"))
    except ValueError as exc:
        raise RuntimeError(f"BONECARE_APNS_ENDPOINT {url!r}: {exc}") from exc
    if parts.scheme != "https" or parts.path or parts.query is not None:
        raise RuntimeError(f"BONECARE_APNS_ENDPOINT {url!r}: must be an https origin, like https://api.push.apple.com")
    return parts.url
