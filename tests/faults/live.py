"""Live processes the fault tests break on purpose: a private PostgreSQL cluster, a private redis-server, and an
HTTP client whose every request is bounded by a timeout and recorded."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import create_engine, select

from bonecare.intake.models import Intake
from tests.server import app_env, flask, free_port
from tests.world import now_iso

# A request not answered within this many seconds counts as hung.
HANG = 10
API = "/api/v1"


def postgres_bin() -> Path | None:
    """The directory of initdb and pg_ctl: BONECARE_PG_BIN, else the newest /usr/lib/postgresql/*/bin."""
    if os.environ.get("BONECARE_PG_BIN"):
        return Path(os.environ["BONECARE_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def unavailable(reason: str):
    """Skip for want of a tool, or fail where CI demands the PostgreSQL pass (BONECARE_REQUIRE_TEST_DATABASE)."""
    if os.environ.get("BONECARE_REQUIRE_TEST_DATABASE"):
        pytest.fail(reason)
    pytest.skip(reason)


def wait_for(condition, seconds: float, what: str):
    """Poll until condition() is truthy; fail naming what did not happen."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.1)
    return result


class Cluster:
    """A PostgreSQL cluster of our own in a temporary directory on a free port, so that stopping it disturbs
    nobody. Under root it runs as the `postgres` user (initdb refuses root)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="bonecare-pg-"))
        self.data, self.log = self.root / "data", self.root / "log"
        self.port = free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.root, "postgres")

    def _tool(self, name: str, *args: str) -> None:
        subprocess.run([*self.as_owner, str(self.bindir / name), *args], check=True, capture_output=True, timeout=60)

    def init(self) -> "Cluster":
        self._tool("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        return self.start()

    def start(self) -> "Cluster":
        # fsync off: a test cluster need not survive a power cut; every commit still survives a stop or a crash.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._tool("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        """What a restart or failover does to clients: every connection dropped, then nothing listening."""
        self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, params=(), database: str = "postgres") -> list:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True, connect_timeout=5
        ) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def migrated_template(self) -> str:
        """A database at the latest migration to copy from (CREATE DATABASE … TEMPLATE is instant)."""
        self.sql("CREATE DATABASE bonecare_template")
        flask(app_env(self.url("bonecare_template")), "db", "upgrade")
        return "bonecare_template"

    def fresh_database(self, template: str) -> str:
        name = f"faults_{uuid.uuid4().hex[:8]}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def terminate_backends(self, database: str) -> int:
        """pg_terminate_backend on every connection to the database: what a failover does to the app's pool."""
        rows = self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
        return len(rows)


class RedisServer:
    """A redis-server of our own on a free port, without persistence."""

    def __init__(self, root: Path, port: int | None = None):
        self.root, self.port, self.process = root, port or free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.root),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Answer:
    """What a client saw: an HTTP status, or no answer (`error`: "hung" or the connection error)."""

    method: str
    path: str
    status: int | None = None
    error: str = ""
    type: str = ""
    content_type: str = ""
    retry_after: str | None = None
    id: str | None = None  # the record the request wrote, for writes


class Client:
    """Requests to a live server, each bounded by HANG seconds, every answer kept (thread-safe)."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def call(self, method: str, path: str, body: dict | None = None, write_id: str | None = None) -> Answer:
        if not hasattr(self._local, "http"):
            self._local.http = requests.Session()  # a phone keeps its connection alive too
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = Answer(method, path, id=write_id)
        try:
            response = self._local.http.request(method, self.base + path, json=body, headers=headers, timeout=HANG)
        except requests.Timeout:
            answer.error = "hung"
        except requests.ConnectionError as exc:
            answer.error = type(exc).__name__ + ": " + str(exc)[:120]
        else:
            answer.status = response.status_code
            answer.content_type = response.headers.get("Content-Type", "")
            answer.retry_after = response.headers.get("Retry-After")
            if answer.content_type == "application/problem+json":
                answer.type = response.json()["type"].rsplit("/", 1)[-1]
        with self._lock:
            self.answers.append(answer)
        return answer

    def write(self, record_id: str | None = None) -> Answer:
        """Log a supplement with a client-made id (so that repeating it is safe)."""
        record_id = record_id or str(uuid.uuid4())
        body = {"id": record_id, "taken_at": now_iso(), "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}
        return self.call("POST", f"{API}/patients/me/intake", body, write_id=record_id)

    def write_until_stored(self, record_id: str, seconds: float = 60) -> Answer:
        """Repeat a write as a phone would, on 503 or no answer, until it is stored (201, or 200 for a repeat)."""
        deadline = time.monotonic() + seconds
        while True:
            answer = self.write(record_id)
            if answer.status in (200, 201) or time.monotonic() > deadline:
                return answer
            time.sleep(0.2)

    def sign_up(self) -> "Client":
        """Register a patient and sign in as her."""
        email = f"patient-{uuid.uuid4().hex[:8]}@example.org"
        body = {"email": email, "password": "correct horse battery", "display_name": "Pat", "timezone": "UTC"}
        assert self.call("POST", f"{API}/auth/register", body).status == 201
        response = requests.post(
            self.base + f"{API}/auth/login", json={"email": email, "password": body["password"]}, timeout=HANG
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        self.credentials = {k: body[k] for k in ("email", "password")}
        return self

    def acknowledged(self) -> set[str]:
        """The ids of every write the server acknowledged (201 made it, 200 found it made)."""
        return {a.id for a in self.answers if a.id and a.status in (200, 201)}


def assert_served(answers: list[Answer], allowed: set[int]) -> None:
    """No 500, nothing hung, only the allowed statuses; every 503 a problem that says when to retry."""
    statuses = [a.status for a in answers]
    assert not [a for a in answers if a.error == "hung"], "a request hung"
    assert 500 not in statuses
    assert set(statuses) - {None} <= allowed, sorted(set(statuses) - {None} - allowed)
    for answer in answers:
        if answer.status == 503:
            assert answer.content_type == "application/problem+json"
            assert answer.type in ("service-unavailable", "not-ready")
            assert answer.retry_after is not None or answer.type == "not-ready"


def stored_intake(url: str, ids: set[str]) -> set[str]:
    """Which of these intake ids the database holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {str(i) for i in conn.execute(select(Intake.__table__.c.id)).scalars()} & ids
    finally:
        engine.dispose()
