"""Clinician-workspace benchmark: median in-process latency (WSGI, no network) of

  * one patient's adherence over 365 days, with about 6 logs a day (target: median <= 20 ms), and
  * a clinician's panel of 500 patients over 30 days (target: median <= 300 ms),

first on a database holding just those, then after adding ten times as many rows of other patients
(target: both within 1.3x).

    .venv/bin/python bench/workspace_bench.py [--database-url URL] [--runs N]

Without --database-url it uses a fresh SQLite file; with one (PostgreSQL), THAT DATABASE IS EMPTIED.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.foundation_bench import _fresh_database  # noqa: E402 - after the path is set

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def _median_ms(call, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU time of this process (the CPU time is what a busy shared machine
    does not inflate; on PostgreSQL it leaves out the server's share)."""
    call()  # warm the caches (compiled statements, connection)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return statistics.median(wall), statistics.median(cpu)


def bench_app(database_url: str | None, **settings):
    """An app on a fresh database (SQLite in a temporary folder, or the PostgreSQL given, EMPTIED), migrated: no
    rate limits, the clock at NOW, a cheap password hash (sign-ins are not what is measured). Answers (app, url)."""
    from flask_migrate import upgrade

    from bonecare import create_app
    from bonecare.clock import FixedClock

    url = _fresh_database(database_url, tempfile.mkdtemp(prefix="bonecare-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "CLOCK": FixedClock(NOW),
            "BONECARE_ARGON2_TIME_COST": 1,
            "BONECARE_ARGON2_MEMORY_KIB": 8192,
            **settings,
        }
    )
    with app.app_context():
        upgrade()
    return app, url


def _sign_in(client, email: str) -> dict:
    from bonecare.demo.seed import PASSWORD

    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _other_clinician(session, email: str):
    from bonecare.accounts.models import User
    from bonecare.accounts.passwords import hash_password
    from bonecare.demo.seed import PASSWORD

    user = User(
        email=email,
        password_hash=hash_password(PASSWORD),
        role="clinician",
        display_name="Dr Bench",
        timezone="UTC",
        created_at=NOW,
    )
    session.add(user)
    session.commit()
    return user


def _analyze(engine) -> None:
    """Fresh planner statistics after a bulk load (autovacuum would get there, later)."""
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _table_rows(session) -> int:
    from sqlalchemy import func, select

    from bonecare.exercise.models import Exercise
    from bonecare.habits.models import HabitDay
    from bonecare.intake.models import Intake

    return sum(session.scalar(select(func.count()).select_from(m)) for m in (Intake, Exercise, HabitDay))


def main() -> None:
    """Seed, measure, grow the database tenfold with other patients, measure again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from bonecare.demo.seed import seed
    from bonecare.extensions import db

    app, url = bench_app(args.database_url)
    client = app.test_client()
    with app.app_context():
        session = db.session
        solo = _other_clinician(session, "solo@bench.example")
        seed(session, patients=1, days=365, now=NOW, clinician=solo, email_domain="solo.bench.example")
        solo_rows = _table_rows(session)
        panel = _other_clinician(session, "panel@bench.example")
        seed(session, patients=500, days=30, now=NOW, clinician=panel, email_domain="panel.bench.example", rng_seed=2)
        base_rows = _table_rows(session)
        _analyze(db.engine)
        from sqlalchemy import select

        from bonecare.accounts.models import User

        patient_email = session.scalar(select(User.email).where(User.email.like("%@solo.bench.example")))

    solo_headers = _sign_in(client, patient_email)
    panel_headers = _sign_in(client, "panel@bench.example")
    year = f"from={(NOW - timedelta(days=364)).date()}&to={NOW.date()}"

    def adherence():
        return client.get(f"/api/v1/patients/me/adherence?{year}", headers=solo_headers)

    def whole_panel():
        return client.get("/api/v1/clinician/patients?window_days=30&limit=200", headers=panel_headers)

    print(
        f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}; {args.runs} runs each; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"one patient, 365 days: {solo_rows} log rows ({solo_rows / 366:.1f} a day)")
    print(f"log rows in the database: {base_rows}")
    before = (_median_ms(adherence, args.runs), _median_ms(whole_panel, args.runs))
    print(f"  adherence 365 days: median {before[0][0]:.1f} ms, CPU {before[0][1]:.1f} ms (target <= 20)")
    print(f"  panel of 500 patients, 30 days: median {before[1][0]:.1f} ms, CPU {before[1][1]:.1f} ms (target <= 300)")

    with app.app_context():
        others = _other_clinician(db.session, "others@bench.example")
        # ten times the rows: ten more year-long patients, and ten times the panel's patients
        seed(db.session, patients=10, days=365, now=NOW, clinician=others, email_domain="o1.bench.example", rng_seed=3)
        seed(db.session, patients=5000, days=30, now=NOW, clinician=others, email_domain="o2.bench.example", rng_seed=4)
        grown_rows = _table_rows(db.session)
        _analyze(db.engine)
    print(f"log rows in the database after adding other patients: {grown_rows} ({grown_rows / base_rows:.1f}x)")
    after = (_median_ms(adherence, args.runs), _median_ms(whole_panel, args.runs))
    for name, (wall, cpu), (wall0, cpu0) in (
        ("adherence 365 days", after[0], before[0]),
        ("panel of 500 patients, 30 days", after[1], before[1]),
    ):
        print(
            f"  {name}: median {wall:.1f} ms ({wall / wall0:.2f}x), CPU {cpu:.1f} ms ({cpu / cpu0:.2f}x) "
            "(target <= 1.3x)"
        )


if __name__ == "__main__":
    main()
