"""The morning rush: every patient of one time zone has a supplement reminder at the same minute; two reminders
worker processes plan and send them all through the queue to a push service on loopback (FCM HTTP v1, with its
OAuth2 token endpoint: tests/reminders/fakes.py's), while a share of the patients log their dose through the HTTP
API (gunicorn, deploy/systemd's command) over the following minutes. On PostgreSQL.

    .venv/bin/python bench/rush.py [--patients 50000] [--window 10] [--share 0.2] [--database-url URL]

The reminder's minute is the next whole minute at least --lead seconds away (not 08:00: the clock is not moved,
so the planner, the queue and the push service run on real time). Targets: lateness (arrival at the push service
minus the due instant) p95 <= 30 s; the API's p99 <= 250 ms with no error. THE DATABASE IS EMPTIED.
Not a test (nor in CI): it prints numbers for the closing notes of the issues.
"""

import argparse
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.stack import FcmReceiver, Stack, fresh_database, ready, unit_command, wait_until  # noqa: E402

ZONE = "America/Chicago"
PORT = 18101
SECRET = "rush-bench-secret-key-long-enough-for-hs256-" + "x" * 16


def _receive(conn, directory: str) -> None:
    """The push service, in its own process (its GIL is not the load's): runs until told, then answers each
    accepted message's occurrence and arrival instant."""
    with FcmReceiver(Path(directory)) as service:
        conn.send((service.url, str(service.credentials)))
        conn.recv()
        arrivals = []
        for request in list(service.requests):
            message = service.check(request) if request["path"] != "/token" else None
            if message:
                arrivals.append((message["data"]["occurrence_id"], request["at"]))
        conn.send(arrivals)


def seed(url: str, patients: int, loggers: int) -> list[dict]:
    """Patients in ZONE, each with an FCM device, by bulk inserts; sessions and access tokens (as a sign-in would
    mint them) for the `loggers` first. Answers the loggers' ids and tokens."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import insert

    from bonecare import create_app
    from bonecare.accounts.models import AuthSession, User
    from bonecare.extensions import db
    from bonecare.reminders.models import Device

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "JWT_SECRET_KEY": SECRET})
    now = datetime.now(UTC) - timedelta(days=1)
    ids = [uuid.uuid4() for _ in range(patients)]
    with app.app_context():
        for start in range(0, patients, 5000):
            chunk = ids[start : start + 5000]
            db.session.execute(
                insert(User),
                [
                    {
                        "id": pid,
                        "email": f"rush{start + i}@example.org",
                        "password_hash": "x",
                        "role": "patient",
                        "display_name": "Rush",
                        "timezone": ZONE,
                        "created_at": now,
                    }
                    for i, pid in enumerate(chunk)
                ],
            )
            db.session.execute(
                insert(Device),
                [
                    {
                        "patient_id": pid,
                        "platform": "fcm",
                        "token": f"fcm-token-{pid.hex}",
                        "active": True,
                        "created_at": now,
                    }
                    for pid in chunk
                ],
            )
        sessions = [(pid, uuid.uuid4()) for pid in ids[:loggers]]
        if sessions:
            rows = [
                {
                    "id": sid,
                    "user_id": pid,
                    "refresh_jti": uuid.uuid4().hex,
                    "created_at": now,
                    "expires_at": now + timedelta(days=30),
                }
                for pid, sid in sessions
            ]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(AuthSession), rows[start : start + 5000])
        db.session.commit()
        return [
            {
                "id": str(pid),
                "token": create_access_token(str(pid), additional_claims={"sid": str(sid), "role": "patient"}),
            }
            for pid, sid in sessions
        ]


def add_rules(url: str, due: datetime) -> int:
    """One daily supplement reminder per patient at `due` on ZONE's clock (skip_if_done, as the default is)."""
    from sqlalchemy import create_engine, text

    local = due.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
    engine = create_engine(url)
    with engine.begin() as conn:
        count = conn.execute(
            text(
                "INSERT INTO reminders (id, patient_id, kind, time_of_day, days_of_week, enabled, skip_if_done, "
                "created_at, updated_at, version) SELECT gen_random_uuid(), id, 'supplement', :t, "
                "'mon,tue,wed,thu,fri,sat,sun', true, true, now(), now(), 0 FROM users WHERE role = 'patient'"
            ),
            {"t": local},
        ).rowcount
    engine.dispose()
    return count


def analyze(url: str) -> None:
    """Fresh statistics after the bulk load, as after any import: without them PostgreSQL takes the just-filled
    tables for empty and plans the planner's join as a nested loop over sequential scans (minutes at 50,000)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE users, devices, auth_sessions, reminders"))
    engine.dispose()


def count(url: str, sql: str, **params) -> int:
    """One number from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    engine.dispose()
    return value


class Load:
    """The patients who log their dose: each opens the app (GET today) and logs it (POST intake, her own id) at
    her moment of the window; the latency of every request is kept."""

    def __init__(self, loggers: list[dict], start: float, window: float, threads: int = 64):
        rng = random.Random(8)
        # Most log soon after the reminder, fewer later: moment = window × u², so half within the first quarter.
        self.plan = sorted((start + window * rng.random() ** 2, patient) for patient in loggers)
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"GET today": [], "POST intake": []}
        self.errors: Counter = Counter()
        self.lag: list[float] = []
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()

    def _next(self):
        with self.lock:
            return self.plan.pop(0) if self.plan else None

    def _run(self):
        base = f"http://127.0.0.1:{PORT}/api/v1/patients/me"
        while item := self._next():
            at, patient = item
            time.sleep(max(0.0, at - time.time()))
            self.lag.append(time.time() - at)
            http = requests.Session()  # her phone's connection, for her two requests
            headers = {"Authorization": f"Bearer {patient['token']}"}
            dose = {
                "id": str(uuid.uuid4()),
                "taken_at": datetime.now(UTC).isoformat(),
                "calcium_mg": 600,
                "vitamin_d_iu": 800,
                "source": "supplement",
            }
            for route, method, path, body, ok in (
                ("GET today", "GET", "/today", None, 200),
                ("POST intake", "POST", "/intake", dose, 201),
            ):
                began = time.perf_counter()
                try:
                    status = http.request(method, base + path, json=body, headers=headers, timeout=30).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - began) * 1000
                with self.lock:
                    self.latencies[route].append(elapsed)
                    if status != ok:
                        self.errors[f"{route} {status}"] += 1
            http.close()


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))] if ordered else float("nan")


def main() -> int:
    """Seed, start the parts, wait for the rush and the window to pass, print the figures; 1 if a target failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--window", type=float, default=10, help="minutes in which the loggers log their dose")
    parser.add_argument("--share", type=float, default=0.2, help="the share of patients who log through the API")
    parser.add_argument(
        "--lead", type=int, default=120, help="seconds at least from the workers' start to the due minute"
    )
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/rush")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what it started, as on Ctrl-C
    url, cores = args.database_url, os.cpu_count()
    loggers_n = int(args.patients * args.share)
    print(
        f"rush: {args.patients:,} patients in {ZONE}, {loggers_n:,} logging within {args.window:g} min; {cores} cores"
    )

    fresh_database(url)
    run = Path(tempfile.mkdtemp(prefix="bonecare-rush-"))
    receiver_end, ours = multiprocessing.get_context("fork").Pipe()
    receiver = multiprocessing.get_context("fork").Process(target=_receive, args=(receiver_end, str(run)), daemon=True)
    receiver.start()
    push_url, credentials = ours.recv()
    env = {
        "DATABASE_URL": url,
        "BONECARE_SECRET_KEY": SECRET,
        "BONECARE_ACCESS_TOKEN_MINUTES": "240",
        "BONECARE_PUSH_BACKEND": "fcm",
        "BONECARE_FCM_CREDENTIALS": credentials,
        "BONECARE_FCM_ENDPOINT": push_url,
        "BONECARE_PUSH_ALLOWED_HOSTS": "127.0.0.1",
    }
    with Stack(run, env) as stack:
        stack.run("migrate", unit_command("bonecare-migrate.service"))
        t0 = time.perf_counter()
        loggers = seed(url, args.patients, loggers_n)
        print(
            f"seeded {args.patients:,} patients with devices ({loggers_n:,} signed in) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        stack.start("web", unit_command("bonecare-web@.service", str(PORT)))
        wait_until(lambda: ready(f"http://127.0.0.1:{PORT}/readyz"), 60, "the API")
        due = (datetime.now(UTC) + timedelta(seconds=args.lead + 59)).replace(second=0, microsecond=0)
        add_rules(url, due)
        analyze(url)
        started = time.time()
        for n in (1, 2):
            stack.start(f"reminders-{n}", unit_command("bonecare-reminders@.service", str(n)))
        print(f"reminders due at {due:%H:%M}Z ({due.astimezone(ZoneInfo(ZONE)):%H:%M} in {ZONE}); workers started")
        wait_until(
            lambda: count(url, "SELECT count(*) FROM occurrences WHERE due_at = :d", d=due) >= args.patients,
            timeout=max(5.0, due.timestamp() - time.time() + 300),
            what="the plan",
            every=1,
        )
        plan_s = time.time() - started
        print(f"planned by the workers in {plan_s:.0f} s, {due.timestamp() - time.time():.0f} s before the due minute")
        load = Load(loggers, due.timestamp(), args.window * 60)
        load.start()
        wait_until(
            lambda: (
                not count(
                    url,
                    "SELECT count(*) FROM occurrences WHERE due_at = :d AND status IN ('pending', 'claimed')",
                    d=due,
                )
            ),
            timeout=max(5.0, due.timestamp() - time.time() + 900),
            what="every reminder to be sent",
            every=1,
        )
        load.join()
        statuses = dict(
            Counter(
                {
                    s: count(url, "SELECT count(*) FROM occurrences WHERE due_at = :d AND status = :s", d=due, s=s)
                    for s in ("sent", "skipped", "failed", "expired", "pending", "claimed")
                }
            ).items()
        )
        ours.send("stop")
        arrivals = ours.recv()
    receiver.join(10)
    late = [at - due.timestamp() for _, at in arrivals]
    per_occurrence = Counter(occurrence for occurrence, _ in arrivals)
    http = {route: (len(v), pct(v, 50), pct(v, 99)) for route, v in load.latencies.items()}
    p95 = pct(late, 95)
    p99 = max(v[2] for v in http.values())
    errors = sum(load.errors.values())
    print(f"database, occurrences due then: {statuses}")
    print(
        f"push service: {len(arrivals):,} messages for {len(per_occurrence):,} occurrences "
        f"({sum(1 for v in per_occurrence.values() if v > 1)} twice); lateness p50 {pct(late, 50):.1f} s, "
        f"p95 {p95:.1f} s, max {max(late, default=0):.1f} s (target p95 <= 30 s)"
    )
    for route, (n, p50, p99_route) in http.items():
        print(f"API {route}: {n:,} requests, p50 {p50:.0f} ms, p99 {p99_route:.0f} ms (target p99 <= 250 ms)")
    print(f"API errors: {errors} {dict(load.errors)}; client schedule lag p99 {pct(load.lag, 99) * 1000:.0f} ms")
    held = p95 <= 30 and p99 <= 250 and errors == 0 and statuses.get("sent") == args.patients
    print(
        f"{'HELD' if held else 'NOT HELD'}: {args.patients:,} patients on {cores} cores = "
        f"{args.patients / cores:,.0f} patients per core"
    )
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps({"patients": args.patients, "window_min": args.window, "p95_s": p95, "api_p99_ms": p99}))
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
