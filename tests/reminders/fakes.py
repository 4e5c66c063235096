"""Fake push services on loopback that speak the real protocols: a Web Push receiver that decrypts RFC 8291
payloads with the subscription's private key, and FCM HTTP v1 with its OAuth2 token endpoint."""

import base64
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class _Server(ThreadingHTTPServer):
    # Several worker processes open dozens of connections at once; the default backlog of 5 makes the
    # kernel reset some of them, which the workers (rightly) treat as a network error to retry later.
    request_queue_size = 256


class FakeService:
    """A threaded HTTP server on 127.0.0.1; `script` answers in order ((status, headers, body) or a callable),
    then `default`. Every request is recorded."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: deque = deque()
        self.default = (201, {}, b"")
        self.delay = 0.0
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # or each keep-alive answer waits ~40 ms for a delayed ACK

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                status, headers, payload = service.answer(request)
                if service.delay:
                    time.sleep(service.delay)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    return

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, request: dict):
        with self.lock:
            self.requests.append(request)
            step = self.script.popleft() if self.script else self.default
        return step(request) if callable(step) else step

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Subscriber:
    """A browser's side of a Web Push subscription: its P-256 key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"sixteen byte sec"
        self.endpoint = endpoint

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        """What the browser would hand the service worker."""
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


class FakeFcm(FakeService):
    """FCM HTTP v1 and Google's OAuth2 token endpoint, checking what a real one checks."""

    PROJECT = "demo-project"

    def __init__(self, tmp_path):
        super().__init__()
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.token_requests = 0
        self.accepted: list[dict] = []
        self.issued = "ya29.fake-access-token"
        self.credentials = tmp_path / "service-account.json"
        self.default = self._ok

    def __enter__(self):
        super().__enter__()
        pem = self.rsa.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.credentials.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": self.PROJECT,
                    "private_key_id": "k1",
                    "private_key": pem,
                    "client_email": "bonecare@demo-project.iam.gserviceaccount.com",
                    "token_uri": f"{self.url}/token",
                }
            )
        )
        return self

    def answer(self, request: dict):
        if request["path"] == "/token":
            with self.lock:
                self.requests.append(request)
            return self._token(request)
        return super().answer(request)

    def _token(self, request):
        form = parse_qs(request["body"].decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        # Google's endpoint takes only assertions addressed to itself, wherever the key file says it is.
        claims = jwt.decode(form["assertion"][0], self.rsa.public_key(), algorithms=["RS256"], audience=GOOGLE_TOKEN)
        assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        assert claims["iss"] == "bonecare@demo-project.iam.gserviceaccount.com"
        self.token_requests += 1
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"access_token": self.issued, "expires_in": 3599, "token_type": "Bearer"}).encode(),
        )

    def check(self, request) -> dict | None:
        """The message of a well-formed HTTP v1 send, else None."""
        if request["path"] != f"/v1/projects/{self.PROJECT}/messages:send":
            return None
        if request["headers"].get("authorization") != f"Bearer {self.issued}":
            return None
        return json.loads(request["body"])["message"]

    def _ok(self, request):
        message = self.check(request)
        if message is None:
            return 401, {"Content-Type": "application/json"}, b'{"error": {"code": 401, "status": "UNAUTHENTICATED"}}'
        with self.lock:
            self.accepted.append(message)
        name = f"projects/{self.PROJECT}/messages/{len(self.requests)}"
        return 200, {"Content-Type": "application/json"}, json.dumps({"name": name}).encode()

    def sends(self) -> list[dict]:
        return [m for m in (self.check(r) for r in self.requests if r["path"] != "/token") if m]


def fcm_error(status: int, code: str, error_code: str | None = None, headers=None):
    """An FCM v1 error response."""
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}]
        if error_code
        else []
    )
    body = {"error": {"code": status, "message": code, "status": code, "details": details}}
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()
