"""Foundation benchmark: median in-process latency of POST intake and GET today over 1,000 requests each,
and the server's peak RSS after 10,000 requests.

    .venv/bin/python bench/foundation_bench.py [--database-url URL]

Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import server, world  # noqa: E402


def _fresh_database(url: str | None, workdir: str) -> str:
    if not url:
        return f"sqlite:///{workdir}/bench.sqlite3"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def in_process(database_url: str, n: int = 1000) -> dict:
    """Median and p95 latency through the WSGI app, no network."""
    from flask_migrate import upgrade

    from bonecare import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    client = app.test_client()
    body = {
        "email": f"{uuid.uuid4().hex}@example.org",
        "password": "bench password",
        "display_name": "B",
        "timezone": "America/New_York",
    }
    client.post("/api/v1/auth/register", json=body)
    token = client.post("/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    results = {}
    for name, call in {
        "POST intake": lambda: client.post(
            "/api/v1/patients/me/intake",
            headers=headers,
            json={
                "id": str(uuid.uuid4()),
                "taken_at": datetime.now(UTC).isoformat(),
                "calcium_mg": 500,
                "source": "supplement",
            },
        ),
        "GET today": lambda: client.get("/api/v1/patients/me/today", headers=headers),
    }.items():
        for _ in range(50):  # warm-up
            call()
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code in (200, 201), response.json
        samples.sort()
        results[name] = (statistics.median(samples), samples[int(len(samples) * 0.95)])
    return results


def _rss_kib(pid: int) -> tuple[int, int]:
    """Current and peak resident memory of a process."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def server_rss(database_url: str, workdir: str, n: int = 10_000) -> dict:
    """Resident memory of one gunicorn worker (production password hashing) over a mix of requests."""
    env = server.app_env(database_url, BONECARE_ARGON2_TIME_COST="3", BONECARE_ARGON2_MEMORY_KIB="65536")
    server.flask(env, "db", "upgrade")
    port = server.free_port()
    with server.gunicorn("app:app", port, env, Path(workdir) / "server.log", workers=1, threads=4) as proc:
        worker_pid = int(subprocess.check_output(["pgrep", "-P", str(proc.pid)]).split()[0])
        call = server.http_call(f"http://127.0.0.1:{port}")
        token = world.register(call, f"{uuid.uuid4().hex}@example.org").access
        after_warmup = None
        for i in range(n):
            if i % 2:
                call("GET", "/api/v1/patients/me/today", token, None)
            else:
                call(
                    "POST",
                    "/api/v1/patients/me/intake",
                    token,
                    {"taken_at": datetime.now(UTC).isoformat(), "vitamin_d_iu": 800, "source": "supplement"},
                )
            if i == 1000:
                after_warmup = _rss_kib(worker_pid)[0]
        rss, peak = _rss_kib(worker_pid)
    return {"rss_after_1000_kib": after_warmup, "rss_end_kib": rss, "peak_kib": peak}


def main() -> None:
    """Run both measurements on the chosen database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = _fresh_database(args.database_url, workdir)
        name = url.split(":", 1)[0]
        for endpoint, (median, p95) in in_process(url, args.requests).items():
            print(f"{name:22s} {endpoint:12s} in-process median {median:6.2f} ms   p95 {p95:6.2f} ms")
        url = _fresh_database(args.database_url, workdir) if args.database_url else f"sqlite:///{workdir}/srv.sqlite3"
        rss = server_rss(url, workdir)
        print(
            f"{name:22s} server RSS after 1,000 requests {rss['rss_after_1000_kib'] / 1024:.1f} MiB, "
            f"after 10,000 {rss['rss_end_kib'] / 1024:.1f} MiB, peak {rss['peak_kib'] / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
