"""`make bench`: bonecare under gunicorn (SQLite, then PostgreSQL) beside a bare Flask app under the same gunicorn
settings, each driven by wrk with the same duration and concurrency; prints requests/s, p50 and p99 for POST intake,
GET today and GET adherence, each as a fraction of the bare app, and the server's RSS growth over 50,000 requests.

    .venv/bin/python bench/http_bench.py [--seconds 10] [--connections 50] [--memory-requests 50000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--only sqlite|postgresql]

Targets: POST intake and GET today at >= 0.5 of the bare app's requests/s; p99 <= 50 ms at 50 connections; RSS
growth <= 10 % after warm-up. Not a test: it prints numbers (and exits 0 either way).
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import server, world  # noqa: E402

WORKERS, THREADS = 2, 4  # the same for both apps
WRK_THREADS = 2
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_GROWTH = 0.5, 50.0, 0.10

LUA = """
local requests = {%(requests)s}
local i = 0
function request()
  i = i + 1
  return requests[(i %% #requests) + 1]
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def wrk_script(path: Path, calls: list[tuple[str, str, dict | None]], token: str | None) -> Path:
    """A wrk Lua script sending these (method, path, body) round-robin, with the bearer token and JSON headers."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    lua_headers = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()) + "}"
    formatted = [
        f"wrk.format({_lua_string(method)}, {_lua_string(url)}, {lua_headers}, "
        f"{_lua_string(json.dumps(body)) if body is not None else 'nil'})"
        for method, url, body in calls
    ]
    path.write_text(LUA % {"requests": ", ".join(formatted)})
    return path


def run_wrk(base: str, script: Path, seconds: int, connections: int) -> dict:
    """wrk's requests/s, p50 and p99 (ms) and count of non-2xx answers."""
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(WRK_THREADS),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
        "errors": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def rss_kib(master_pid: int) -> int:
    """The resident memory of gunicorn's master and workers together."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    total = 0
    for pid in [master_pid, *map(int, children)]:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def _postgres_database(url: str) -> str:
    """A dedicated, empty database for the benchmark (created if missing)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def _history(call, patient: world.Account, days: int = 60) -> None:
    """Two months of logs, so that today and adherence read a realistic record."""
    start = datetime.now(UTC) - timedelta(days=days)
    for day in range(days):
        at = (start + timedelta(days=day, hours=9)).isoformat().replace("+00:00", "Z")
        call(
            "POST",
            f"{world.API}/patients/me/intake",
            patient.access,
            {"taken_at": at, "calcium_mg": 600, "vitamin_d_iu": 400, "source": "supplement"},
        )
        if day % 2:
            call(
                "POST",
                f"{world.API}/patients/me/exercise",
                patient.access,
                {"started_at": at, "duration_min": 30, "kind": "resistance"},
            )


def bench_bonecare(label: str, database_url: str, args, workdir: Path, bare: dict) -> list[dict]:
    """Serve bonecare on this database and measure each endpoint; then its memory over many requests."""
    env = server.app_env(database_url)
    server.flask(env, "db", "upgrade")
    port = server.free_port()
    base = f"http://127.0.0.1:{port}"
    rows = []
    with server.gunicorn("app:app", port, env, workdir / f"{label}.log", workers=WORKERS, threads=THREADS) as proc:
        call = server.http_call(base)
        spec_paths = set(call("GET", "/api/openapi.json", None, None)[1]["paths"])
        w = world.build(call, server.clinician_maker(env), spec_paths=spec_paths)
        _history(call, w.patient)
        taken_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        intake = {"taken_at": taken_at, "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}
        # The writes go to another patient: thousands of entries on one day would make the measured
        # patient's today and adherence read a record no real patient has.
        endpoints = [
            ("POST intake", "POST", f"{world.API}/patients/me/intake", intake, "post", w.other_patient),
            ("GET today", "GET", f"{world.API}/patients/me/today", None, "get", w.patient),
        ]
        if f"{world.PATIENT}/adherence" in spec_paths:
            endpoints.append(("GET adherence", "GET", f"{world.API}/patients/me/adherence", None, "get", w.patient))
        else:
            print("note: GET adherence is not in the spec yet; skipped")
        for name, method, url, body, kind, account in endpoints:
            script = wrk_script(workdir / f"{label}-{kind}.lua", [(method, url, body)], account.access)
            run_wrk(base, script, 2, args.connections)  # warm-up
            result = run_wrk(base, script, args.seconds, args.connections)
            rows.append({"db": label, "endpoint": name, **result, "ratio": result["rps"] / bare[kind]["rps"]})
        if args.memory_requests:
            rows.append(_memory(label, base, proc.pid, endpoints, w.patient.access, args, workdir))
    return rows


def _memory(label, base, pid, endpoints, token, args, workdir) -> dict:
    """RSS before and after N mixed requests (wrk in 5-second rounds until N are done), after a warm-up of N/10."""
    calls = [(method, url, body) for _, method, url, body, _, _ in endpoints]
    script = wrk_script(workdir / f"{label}-mixed.lua", calls, token)

    def load(n: int) -> tuple[int, int]:
        done = errors = 0
        while done < n:
            result = run_wrk(base, script, 5, args.connections)
            done, errors = done + result["requests"], errors + result["errors"]
        return done, errors

    load(args.memory_requests // 10)
    before = rss_kib(pid)
    started = time.monotonic()
    done, errors = load(args.memory_requests)
    after = rss_kib(pid)
    return {
        "db": label,
        "memory": True,
        "before": before,
        "after": after,
        "growth": after / before - 1,
        "requests": done,
        "errors": errors,
        "seconds": time.monotonic() - started,
    }


def bench_bare(args, workdir: Path) -> dict:
    """The bare app's numbers for a POST with a JSON body and for a GET."""
    port = server.free_port()
    base = f"http://127.0.0.1:{port}"
    body = {"taken_at": "2026-03-08T08:00:00Z", "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}
    results = {}
    env = server.app_env("sqlite://")
    with server.gunicorn("bench.bare_app:app", port, env, workdir / "bare.log", workers=WORKERS, threads=THREADS):
        for kind, method, call_body in (("post", "POST", body), ("get", "GET", None)):
            script = wrk_script(workdir / f"bare-{kind}.lua", [(method, "/echo", call_body)], "not-checked")
            run_wrk(base, script, 2, args.connections)
            results[kind] = run_wrk(base, script, args.seconds, args.connections)
    return results


def report(bare: dict, rows: list[dict], args) -> None:
    """The table, with each target marked."""
    print(
        f"\nwrk -t{WRK_THREADS} -c{args.connections} -d{args.seconds}s; gunicorn --workers {WORKERS} "
        f"--threads {THREADS} for both apps; ratio = requests/s over the bare app's (POST or GET)\n"
    )
    print(f"{'app / database':<22}{'endpoint':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'non-2xx':>9}")
    for kind, result in bare.items():
        print(
            f"{'bare Flask':<22}{kind.upper() + ' /echo':<16}{result['rps']:>9.0f}{result['p50']:>9.1f}"
            f"{result['p99']:>9.1f}{1:>8.2f}{result['errors']:>9}"
        )
    for row in rows:
        if row.get("memory"):
            continue
        marks = []
        if row["endpoint"] != "GET adherence" and row["ratio"] < TARGET_RATIO:
            marks.append(f"ratio < {TARGET_RATIO}")
        if row["p99"] > TARGET_P99_MS:
            marks.append(f"p99 > {TARGET_P99_MS:.0f} ms")
        verdict = "MISSED: " + ", ".join(marks) if marks else "ok"
        print(
            f"{'bonecare / ' + row['db']:<22}{row['endpoint']:<16}{row['rps']:>9.0f}{row['p50']:>9.1f}"
            f"{row['p99']:>9.1f}{row['ratio']:>8.2f}{row['errors']:>9}  {verdict}"
        )
    for row in rows:
        if row.get("memory"):
            verdict = "ok" if row["growth"] <= TARGET_RSS_GROWTH else f"MISSED: > {TARGET_RSS_GROWTH:.0%}"
            print(
                f"\nmemory, {row['db']}: RSS of gunicorn (master + {WORKERS} workers) {row['before'] / 1024:.1f} MiB "
                f"after warm-up -> {row['after'] / 1024:.1f} MiB after {row['requests']} mixed requests "
                f"({row['errors']} non-2xx, {row['seconds']:.0f} s): {row['growth']:+.1%}  {verdict}"
            )


def main() -> int:
    """Bare app first, then bonecare on each database; prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--memory-requests", type=int, default=50_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bonecare-bench-") as tmp:
        workdir = Path(tmp)
        bare = bench_bare(args, workdir)
        rows = []
        if args.only in (None, "sqlite"):
            rows += bench_bonecare("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir, bare)
        if args.only in (None, "postgresql"):
            rows += bench_bonecare("PostgreSQL", _postgres_database(args.postgres), args, workdir, bare)
        report(bare, rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
