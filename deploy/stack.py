"""The parts of a bonecare deployment on this machine, for `make scale-demo` and bench/rush.py: a fresh PostgreSQL
database, processes started with the systemd units' own commands (deploy/systemd/), and a push receiver on
loopback that speaks the real protocol (tests/reminders/fakes.py's) and notes when each request arrived."""

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

from tests.reminders.fakes import FakeFcm, FakeService  # noqa: E402


def unit_command(unit: str, instance: str = "") -> list[str]:
    """A unit's ExecStart as argv for this checkout: its .venv for /opt/bonecare/.venv, `instance` for %i."""
    line = next(
        line for line in (ROOT / "deploy" / "systemd" / unit).read_text().splitlines() if line.startswith("ExecStart=")
    )
    line = line.removeprefix("ExecStart=").replace("/opt/bonecare/.venv/bin/", f"{BIN}/").replace("%i", instance)
    return shlex.split(line)


def fresh_database(url: str) -> None:
    """The PostgreSQL database the URL names, created if missing, emptied otherwise."""
    from bench.foundation_bench import _fresh_database

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _fresh_database(url, "")


def wait_until(predicate, timeout: float, what: str, every: float = 0.2):
    """Poll `predicate` until it answers something true; RuntimeError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if value := predicate():
                return value
        except (OSError, requests.RequestException):
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


def ready(url: str, verify=True) -> bool:
    """Whether GET url answers 200."""
    return requests.get(url, timeout=2, verify=verify).status_code == 200


class Stack:
    """Processes started here, each logging to run_dir/logs/<name>.log, all stopped (SIGTERM) at the end."""

    def __init__(self, run_dir: Path, env: dict):
        self.logs = run_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **env}
        self.procs: dict[str, subprocess.Popen] = {}

    def run(self, name: str, argv: list[str]) -> str:
        """Run a command to its end (a migration, a seed); its output, or RuntimeError when it fails."""
        done = subprocess.run(argv, cwd=ROOT, env=self.env, capture_output=True, text=True)  # noqa: S603 - ours
        (self.logs / f"{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start a long-running process."""
        log = open(self.logs / f"{name}.log", "a")  # the child writes to it until it ends
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own commands
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return self.procs[name]

    def stop(self, name: str, timeout: float = 45) -> int:
        """Stop a process gracefully (SIGTERM), as systemd does; SIGKILL after `timeout`."""
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def close(self) -> None:
        """Stop everything, the last started first."""
        for name in reversed(list(self.procs)):
            self.stop(name, timeout=20)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Timed:
    """A fake push service that stamps each request with its arrival (wall clock)."""

    def answer(self, request: dict):
        request["at"] = time.time()
        return super().answer(request)


class WebPushReceiver(_Timed, FakeService):
    """A Web Push service on loopback: each request kept, its RFC 8291 body decrypted later by the subscriber."""


class FcmReceiver(_Timed, FakeFcm):
    """FCM HTTP v1 and its OAuth2 token endpoint on loopback, checking what FCM checks."""
