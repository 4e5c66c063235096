"""Start bonecare under gunicorn on a free port against a fresh database, for live tests, the fuzzer and bench."""

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict:
    """The environment of a throwaway server: its own database, no rate limits, cheap password hashing."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        BONECARE_SECRET_KEY="fuzz-and-bench-secret-key-long-enough-for-hs256",
        BONECARE_RATELIMIT_ENABLED="0",
        BONECARE_ACCESS_TOKEN_MINUTES="240",
        BONECARE_ARGON2_TIME_COST="1",
        BONECARE_ARGON2_MEMORY_KIB="8192",
        BONECARE_PUSH_ALLOWED_HOSTS="localhost,127.0.0.1",
        BONECARE_INLINE_WORKER="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    """Run `flask --app app …` and return what it printed."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def clinician_maker(env: dict):
    """make_clinician for tests.world: the CLI of the contract, the password piped twice."""

    def make(email: str, password: str) -> str:
        out = flask(env, "users", "create", "--role", "clinician", "--email", email, stdin=f"{password}\n{password}\n")
        return re.search(r"\(([0-9a-f-]{36})\)", out).group(1)

    return make


def http_call(base: str):
    """call() for tests.world over real HTTP."""
    session = requests.Session()

    def call(method, path, token, body):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = session.request(method, base + path, json=body, headers=headers, timeout=30)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    return call


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    """Poll until the URL answers 200 (or the process dies)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


@contextmanager
def gunicorn(target: str, port: int, env: dict, log_path: Path, *, workers: int = 2, threads: int = 4):
    """Serve a WSGI target under gunicorn until the block ends; yields the process."""
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log_path),
        target,
    ]
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
