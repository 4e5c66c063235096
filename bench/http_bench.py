"""`make bench`: bonecare under gunicorn (SQLite, then PostgreSQL) beside its peer (bench/peer_app.py: the same
semantics in plain Flask and SQL, on the same database) and a bare Flask app, all under the same gunicorn settings
and driven by wrk with the same duration and concurrency, in turn for each endpoint, round after round (the machine
is shared: ratios measured together are what holds, and each figure is the median of its rounds); prints requests/s,
p50 and p99 for POST intake, GET today and GET adherence, each as a fraction of the peer's and of the bare app's,
and the server's RSS growth over 50,000 requests.

    .venv/bin/python bench/http_bench.py [--seconds 8] [--rounds 3] [--connections 32] [--memory-requests 50000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--only sqlite|postgresql]

Targets: POST intake (one patient's, which queue on her row's lock) and GET today at >= 0.8 of the peer's
requests/s; p99 <= 50 ms at 32 connections; RSS growth <= 10 % after warm-up. POST by 32 patients and GET adherence
are shown beside them. Not a test: it prints numbers (and exits 0 either way).
"""

import argparse
import functools
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import server, world  # noqa: E402

WORKERS, THREADS = 2, 4  # the same for both apps
WRK_THREADS = 2
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_GROWTH = 0.8, 50.0, 0.10
TARGETED = ("POST intake", "GET today")  # the endpoints the targets are set for; the others are for comparison

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


def wrk_script(path: Path, calls: list[tuple[str, str, dict | None]], *tokens: str) -> Path:
    """A wrk Lua script sending these (method, path, body) round-robin, each with every bearer token in turn (none
    when no token is given), with JSON headers."""
    formatted = []
    for token in tokens or (None,):
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        lua_headers = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()) + "}"
        formatted += [
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


def _median_run(results: list[dict]) -> dict:
    """Each figure's median over the rounds (requests/s, p50, p99; non-2xx and requests summed)."""
    middle = {key: statistics.median(r[key] for r in results) for key in ("rps", "p50", "p99")}
    return {**middle, "errors": sum(r["errors"] for r in results), "requests": sum(r["requests"] for r in results)}


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


def bench_bonecare(label: str, database_url: str, args, workdir: Path, bare_base: str) -> list[dict]:
    """Serve bonecare and its peer on this database and measure each endpoint on bare Flask, bonecare and the peer,
    in turn, round after round; then bonecare's memory over many requests."""
    env = server.app_env(database_url)
    server.flask(env, "db", "upgrade")
    port, peer_port = server.free_port(), server.free_port()
    base, peer_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{peer_port}"
    rows = []
    serve = functools.partial(server.gunicorn, env=env, workers=WORKERS, threads=THREADS)
    with (
        serve("app:app", port, log_path=workdir / f"{label}.log") as proc,
        serve("bench.peer_app:app", peer_port, log_path=workdir / f"{label}-peer.log"),
    ):
        call = server.http_call(base)
        spec_paths = set(call("GET", "/api/openapi.json", None, None)[1]["paths"])
        w = world.build(call, server.clinician_maker(env), spec_paths=spec_paths)
        _history(call, w.patient)
        taken_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        intake = {"taken_at": taken_at, "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"}
        # The writes go to another patient: thousands of entries on one day would make the measured
        # patient's today and adherence read a record no real patient has.
        # A patient's writes queue on her row's lock (her sync clock), so one patient's POSTs measure how long a
        # write holds it; 32 patients' (a phone a connection) measure what a write costs the server.
        phones = [world.register(call, f"phone-{n}@example.org").access for n in range(args.connections)]
        endpoints = [
            ("POST intake", "POST", f"{world.API}/patients/me/intake", intake, "post", [w.other_patient.access]),
            (f"POST ×{len(phones)}", "POST", f"{world.API}/patients/me/intake", intake, "post", phones),
            ("GET today", "GET", f"{world.API}/patients/me/today", None, "get", [w.patient.access]),
            ("GET adherence", "GET", f"{world.API}/patients/me/adherence", None, "get", [w.patient.access]),
        ]
        for name, method, url, body, kind, tokens in endpoints:
            script = wrk_script(workdir / f"{label}-{name.split()[-1]}.lua", [(method, url, body)], *tokens)
            bare_script = wrk_script(workdir / f"bare-{kind}.lua", [(method, "/echo", body)], "not-checked")
            apps = (("bare Flask", bare_base, bare_script), ("bonecare", base, script), ("peer", peer_base, script))
            for _, app_base, app_script in apps:
                run_wrk(app_base, app_script, 2, args.connections)  # warm-up
            runs = {app: [] for app, _, _ in apps}
            for _ in range(args.rounds):  # the apps in turn, round after round: a busy spell hits all of them
                for app, app_base, app_script in apps:
                    runs[app].append(run_wrk(app_base, app_script, args.seconds, args.connections))
            measured = {app: _median_run(results) for app, results in runs.items()}
            for app, result in measured.items():
                ratios = {
                    "ratio": result["rps"] / measured["peer"]["rps"],
                    "bare": result["rps"] / measured["bare Flask"]["rps"],
                }
                rows.append({"db": label, "app": app, "endpoint": name, **result, **ratios})
        if args.memory_requests:
            rows.append(_memory(label, base, proc.pid, endpoints, w.patient.access, args, workdir))
    return rows


def _memory(label, base, pid, endpoints, token, args, workdir) -> dict:
    """RSS before and after N mixed requests (wrk in 5-second rounds until N are done), after a warm-up of N/10."""
    calls = [(method, url, body) for _, method, url, body, _, tokens in endpoints if len(tokens) == 1]
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


@contextmanager
def bare_app(workdir: Path):
    """The bare app, served for the whole run (idle between its measurements); yields its base URL."""
    port = server.free_port()
    env = server.app_env("sqlite://")
    with server.gunicorn("bench.bare_app:app", port, env, workdir / "bare.log", workers=WORKERS, threads=THREADS):
        yield f"http://127.0.0.1:{port}"


def report(rows: list[dict], args) -> None:
    """The table, with each target marked on bonecare's rows."""
    print(
        f"\nwrk -t{WRK_THREADS} -c{args.connections} -d{args.seconds}s, medians of {args.rounds} rounds; "
        f"gunicorn --workers {WORKERS} --threads "
        f"{THREADS} for every app; ratio = requests/s over the peer's, bare = over bare Flask's (POST or GET /echo),"
        " the apps measured in turn, round after round\n"
    )
    print(
        f"{'database':<12}{'endpoint':<15}{'app':<12}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}{'bare':>6}"
        f"{'non-2xx':>8}"
    )
    for row in rows:
        if row.get("memory"):
            continue
        verdict = ""
        if row["app"] == "bonecare" and row["endpoint"] in TARGETED:
            marks = []
            if row["ratio"] < TARGET_RATIO:
                marks.append(f"ratio < {TARGET_RATIO}")
            if row["p99"] > TARGET_P99_MS:
                marks.append(f"p99 > {TARGET_P99_MS:.0f} ms")
            verdict = "  MISSED: " + ", ".join(marks) if marks else "  ok"
        print(
            f"{row['db']:<12}{row['endpoint']:<15}{row['app']:<12}{row['rps']:>8.0f}{row['p50']:>8.1f}"
            f"{row['p99']:>8.1f}{row['ratio']:>7.2f}{row['bare']:>6.2f}{row['errors']:>8}{verdict}"
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
    """Bare Flask, bonecare and the peer on each database; prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each app per endpoint, in turn; medians")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--memory-requests", type=int, default=50_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bonecare-bench-") as tmp:
        workdir = Path(tmp)
        rows = []
        with bare_app(workdir) as bare:
            if args.only in (None, "sqlite"):
                rows += bench_bonecare("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir, bare)
            if args.only in (None, "postgresql"):
                rows += bench_bonecare("PostgreSQL", _postgres_database(args.postgres), args, workdir, bare)
        report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
