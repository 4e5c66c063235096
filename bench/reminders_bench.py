"""Reminders benchmark: dispatch throughput with a no-op push back-end, and lateness from due to sent under the
worker's normal schedule.

    .venv/bin/python bench/reminders_bench.py [--database-url URL] [--occurrences N] [--rules N]

Without --database-url it uses a fresh SQLite file; with a PostgreSQL URL it (re)creates that database.
Targets: ≥ 300 occurrences/s on SQLite, ≥ 1,000/s on PostgreSQL, lateness p95 ≤ 30 s.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BONECARE_SECRET_KEY", "reminders-bench-secret-key-long-enough-for-hs256")

from bonecare.reminders.push.base import OK, Backend  # noqa: E402


def _fresh_database(url: str | None, workdir: str) -> str:
    if not url:
        return f"sqlite:///{workdir}/bench.sqlite3"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def _app(database_url: str):
    from flask_migrate import upgrade

    from bonecare import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "BONECARE_PUSH_BACKEND": "noop", "BONECARE_INLINE_WORKER": False}
    )
    with app.app_context():
        upgrade()
    return app


def _seed_rules(session, n: int, now: datetime, times: list[str]) -> list:
    """n supplement rules (skip_if_done on, so the done check runs) over n/5 patients in UTC."""
    from sqlalchemy import insert

    from bonecare.accounts.models import User
    from bonecare.reminders.models import Reminder

    patients = [uuid.uuid4() for _ in range(max(n // 5, 1))]
    session.execute(
        insert(User),
        [
            {
                "id": p,
                "email": f"{p.hex}@example.org",
                "password_hash": "x",
                "role": "patient",
                "display_name": "B",
                "timezone": "UTC",
                "created_at": now - timedelta(days=1),
            }
            for p in patients
        ],
    )
    rules = [
        {
            "id": uuid.uuid4(),
            "patient_id": patients[i % len(patients)],
            "kind": "supplement",
            "time_of_day": times[i % len(times)],
            "days_of_week": "mon,tue,wed,thu,fri,sat,sun",
            "enabled": True,
            "skip_if_done": True,
            "created_at": now - timedelta(days=1),
            "updated_at": now - timedelta(days=1),
        }
        for i in range(n)
    ]
    for i in range(0, n, 2000):
        session.execute(insert(Reminder), rules[i : i + 2000])
    session.commit()
    return rules


def throughput(database_url: str, n: int) -> float:
    """Occurrences per second through claim → checks → no-op send → record, one worker process."""
    from sqlalchemy import func, insert, select

    from bonecare.extensions import db
    from bonecare.reminders import worker
    from bonecare.reminders.models import Occurrence

    app = _app(database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    marks = [(now - timedelta(minutes=k)).replace(second=0) for k in range(1, 11)]  # due in the last 10 minutes
    with app.app_context():
        rules = _seed_rules(db.session, n, now, [m.strftime("%H:%M") for m in marks])
        rows = [
            {
                "id": uuid.uuid4(),
                "key": f"reminder:{r['id']}:{mark.date()}",
                "patient_id": r["patient_id"],
                "reminder_id": r["id"],
                "kind": "supplement",
                "title": "Time for your daily routine",
                "body": "Open the app to see today's plan.",
                "local_date": mark.date(),
                "due_at": mark,
                "grace_seconds": 7200,
                "status": "pending",
                "attempts": 0,
                "late": False,
                "created_at": now,
                "updated_at": now,
            }
            for r, mark in ((r, marks[i % len(marks)]) for i, r in enumerate(rules))
        ]
        for i in range(0, n, 2000):
            db.session.execute(insert(Occurrence), rows[i : i + 2000])
        db.session.commit()
    start = time.perf_counter()
    counts = worker.run_dispatch(app, now, worker="bench")
    elapsed = time.perf_counter() - start
    with app.app_context():
        sent = db.session.scalar(select(func.count()).where(Occurrence.status == "sent"))
    assert sent == n == counts["sent"], (sent, counts)
    return n / elapsed


class _Clocked(Backend):
    """A no-op back-end that notes the wall-clock instant of each send."""

    name = "clocked"
    platforms = ()

    def __init__(self):
        self.sent_at: dict[str, datetime] = {}
        self.lock = threading.Lock()

    def send(self, device, message):
        with self.lock:
            self.sent_at[message.key] = datetime.now(UTC)
        return OK


def lateness(database_url: str, n: int) -> dict:
    """Rules due at the next two minute marks; the real scheduler (plan, dispatch, recover, prune on their normal
    intervals) plans and sends them; lateness = actual send instant − due instant."""
    from sqlalchemy import func, select

    from bonecare.extensions import db
    from bonecare.reminders import worker
    from bonecare.reminders.models import Occurrence

    app = _app(database_url)
    now = datetime.now(UTC)
    first = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (first - now).total_seconds() < 20:
        first += timedelta(minutes=1)
    marks = [first, first + timedelta(minutes=1)]
    with app.app_context():
        _seed_rules(db.session, n, now, [m.strftime("%H:%M") for m in marks])
    backend = app.extensions["bonecare.push"] = _Clocked()
    scheduler = worker.start_inline(app)
    try:
        deadline = marks[-1] + timedelta(minutes=3)
        while datetime.now(UTC) < deadline:
            time.sleep(1)
            if datetime.now(UTC) > marks[-1] and len(backend.sent_at) >= n:
                break
    finally:
        scheduler.shutdown(wait=True)
    with app.app_context():
        due = dict(
            db.session.execute(select(Occurrence.key, Occurrence.due_at).where(Occurrence.due_at.in_(marks))).all()
        )
        statuses = dict(
            db.session.execute(
                select(Occurrence.status, func.count()).where(Occurrence.due_at.in_(marks)).group_by(Occurrence.status)
            ).all()
        )
    late = sorted((backend.sent_at[k] - d).total_seconds() for k, d in due.items() if k in backend.sent_at)
    return {
        "occurrences": len(due),
        "statuses": statuses,
        "p50_s": statistics.median(late),
        "p95_s": late[int(len(late) * 0.95) - 1],
        "max_s": late[-1],
        "dispatch_interval_s": worker.INTERVALS["dispatch"],
    }


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--occurrences", type=int, default=20_000)
    parser.add_argument("--rules", type=int, default=2_000, help="rules for the lateness run")
    parser.add_argument("--skip-lateness", action="store_true")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as workdir:
        url = _fresh_database(args.database_url, workdir)
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        rate = throughput(url, args.occurrences)
        target = 1000 if kind == "PostgreSQL" else 300
        print(
            f"{kind}: dispatch throughput, no-op back-end, 1 worker: {rate:,.0f} occurrences/s "
            f"over {args.occurrences:,} (target ≥ {target:,}/s)"
        )
        if not args.skip_lateness:
            url = (
                _fresh_database(args.database_url, workdir + "/late")
                if args.database_url
                else (f"sqlite:///{workdir}/late.sqlite3")
            )
            result = lateness(url, args.rules)
            print(
                f"{kind}: lateness due → sent under the normal schedule (dispatch every "
                f"{result['dispatch_interval_s']} s), {result['occurrences']:,} occurrences at two minute marks: "
                f"p50 {result['p50_s']:.2f} s, p95 {result['p95_s']:.2f} s, max {result['max_s']:.2f} s "
                f"(target p95 ≤ 30 s); statuses {result['statuses']}"
            )


if __name__ == "__main__":
    main()
