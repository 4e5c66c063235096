"""Fake push services on loopback that speak the real protocols: a Web Push receiver that decrypts RFC 8291
payloads with the subscription's private key, FCM HTTP v1 with its OAuth2 token endpoint, and APNs over HTTP/2
and TLS with provider-token authentication."""

import base64
import contextlib
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import h2.connection
import h2.events
import h2.exceptions
import http_ece
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from h2.config import H2Configuration

GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class _Server(ThreadingHTTPServer):
    # Several worker processes open dozens of connections at once; the default backlog of 5 makes the
    # kernel reset some of them, which the workers (rightly) treat as a network error to retry later.
    request_queue_size = 256


class Scripted:
    """A fake's answers: `script` in order ((status, headers, body) or a callable), then `default`. Every
    request is recorded."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: deque = deque()
        self.default = (201, {}, b"")
        self.lock = threading.Lock()

    def answer(self, request: dict):
        with self.lock:
            self.requests.append(request)
            step = self.script.popleft() if self.script else self.default
        return step(request) if callable(step) else step


class FakeService(Scripted):
    """A threaded HTTP server on 127.0.0.1 answering as scripted."""

    def __init__(self):
        super().__init__()
        self.delay = 0.0
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


def self_signed(directory, host: str = "127.0.0.1") -> tuple:
    """A self-signed certificate for `host` (its own CA, as a test trusts it) and its key: two PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake push service")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "push-service.pem", directory / "push-service.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def apns_error(status: int, reason: str, headers=None):
    """An APNs error response: a JSON body naming the reason (410 adds when the token stopped being valid)."""
    body = {"reason": reason, **({"timestamp": int(time.time() * 1000)} if status == 410 else {})}
    return status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()


class FakeApns(Scripted):
    """APNs on loopback: HTTP/2 over TLS (ALPN h2) with the h2 library, checking what APNs checks (the provider
    token against the team's public key, topic, push type, path, headers, payload) and answering as it does."""

    KEY_ID, TEAM_ID, TOPIC = "KEY1234567", "TEAM123456", "org.bonecare.app"
    DEVICE_PATH = re.compile(r"/3/device/([0-9a-fA-F]{64,200})")

    def __init__(self, tmp_path):
        super().__init__()
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self.key_file = tmp_path / f"AuthKey_{self.KEY_ID}.p8"
        self.key_file.write_bytes(
            self.signing_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.ca_file, server_key = self_signed(tmp_path)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(self.ca_file, server_key)
        self.tls.set_alpn_protocols(["h2"])
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.protocols: list[str | None] = []  # what ALPN chose, a connection each
        self.default = self._ok
        self.accepted: list[dict] = []

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.listener.getsockname()[1]}"

    def config(self) -> dict:
        """The settings that point ApnsBackend here."""
        return {
            "BONECARE_APNS_KEY_FILE": str(self.key_file),
            "BONECARE_APNS_KEY_ID": self.KEY_ID,
            "BONECARE_APNS_TEAM_ID": self.TEAM_ID,
            "BONECARE_APNS_TOPIC": self.TOPIC,
            "BONECARE_APNS_ENDPOINT": self.url,
            "BONECARE_APNS_CA_FILE": str(self.ca_file),
        }

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _accept(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:  # closed: the fake stops
                return
            self.connections.append(raw)
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        """One HTTP/2 connection: streams answered in the order they end."""
        try:
            with self.tls.wrap_socket(raw, server_side=True) as tls:
                self.protocols.append(tls.selected_alpn_protocol())
                connection = h2.connection.H2Connection(H2Configuration(client_side=False, header_encoding="utf-8"))
                connection.initiate_connection()
                tls.sendall(connection.data_to_send())
                streams: dict[int, dict] = {}
                while data := tls.recv(65536):
                    for event in connection.receive_data(data):
                        self._on(connection, event, streams)
                    tls.sendall(connection.data_to_send())
        except (OSError, h2.exceptions.ProtocolError):
            return

    def _on(self, connection, event, streams: dict):
        if isinstance(event, h2.events.RequestReceived):
            headers = dict(event.headers)
            streams[event.stream_id] = {
                "method": headers.pop(":method"),
                "path": headers.pop(":path"),
                "headers": {k: v for k, v in headers.items() if not k.startswith(":")},
                "body": b"",
            }
        elif isinstance(event, h2.events.DataReceived):
            streams[event.stream_id]["body"] += event.data
            connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            status, headers, body = self.answer(streams.pop(event.stream_id))
            response = [(":status", str(status)), *headers.items(), ("content-length", str(len(body)))]
            connection.send_headers(event.stream_id, response, end_stream=not body)
            if body:
                connection.send_data(event.stream_id, body, end_stream=True)

    def claims(self, request: dict) -> dict:
        """The provider token's claims, verified as APNs does; jwt.InvalidTokenError when they are not good."""
        scheme, _, token = request["headers"].get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise jwt.InvalidTokenError("no bearer token")
        if jwt.get_unverified_header(token).get("kid") != self.KEY_ID:
            raise jwt.InvalidTokenError("another key id")
        claims = jwt.decode(token, self.signing_key.public_key(), algorithms=["ES256"], options={"require": ["iat"]})
        if claims.get("iss") != self.TEAM_ID:
            raise jwt.InvalidTokenError("another team")
        return claims

    def problem(self, request: dict) -> tuple[int, str] | None:
        """Why APNs would refuse this request ((status, reason)), or None."""
        headers = request["headers"]
        if request["method"] != "POST":
            return 405, "MethodNotAllowed"
        if not self.DEVICE_PATH.fullmatch(request["path"]):
            return 404, "BadPath"
        if "authorization" not in headers:
            return 403, "MissingProviderToken"
        try:
            claims = self.claims(request)
        except jwt.InvalidTokenError:
            return 403, "InvalidProviderToken"
        if claims["iat"] < time.time() - 3600:
            return 403, "ExpiredProviderToken"
        if headers.get("apns-topic") != self.TOPIC:
            return 400, "MissingTopic" if "apns-topic" not in headers else "TopicDisallowed"
        if headers.get("apns-push-type") not in ("alert", "background"):
            return 400, "InvalidPushType"
        if headers.get("apns-priority", "10") not in ("5", "10", "1"):
            return 400, "BadPriority"
        if not headers.get("apns-expiration", "0").isdigit():
            return 400, "BadExpirationDate"
        if len(headers.get("apns-collapse-id", "").encode()) > 64:
            return 400, "BadCollapseId"
        if "apns-id" in headers and not re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", headers["apns-id"]):
            return 400, "BadMessageId"
        if not request["body"]:
            return 400, "PayloadEmpty"
        if len(request["body"]) > 4096:
            return 413, "PayloadTooLarge"
        try:
            alert = json.loads(request["body"])["aps"]["alert"]
        except (ValueError, KeyError, TypeError):
            return 400, "BadPayload"  # the fake's own word: APNs would show a broken alert, or none
        return None if isinstance(alert, dict) and alert.get("title") else (400, "BadPayload")

    def _ok(self, request):
        problem = self.problem(request)
        if problem:
            return apns_error(*problem)
        with self.lock:
            self.accepted.append(request)
        return 200, {"apns-id": request["headers"].get("apns-id") or str(uuid.uuid4())}, b""

    def device_token(self, request: dict) -> str:
        """The device token a request is addressed to."""
        return self.DEVICE_PATH.fullmatch(request["path"]).group(1)

    def provider_tokens(self) -> list[str]:
        """The provider token of each request, in order."""
        return [r["headers"].get("authorization", "").partition(" ")[2] for r in self.requests]
