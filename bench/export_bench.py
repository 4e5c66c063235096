"""Export benchmark, in-process (WSGI, no network): a patient with 2 years of logs (about 4,500 records) exported
as JSON and as a FHIR R4 bundle (built, validated and written by fhir.resources' R4B models), the patient asking.

    .venv/bin/python bench/export_bench.py [--database-url URL] [--runs N]

Without --database-url it uses a fresh SQLite file; with one (PostgreSQL), THAT DATABASE IS EMPTIED.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.foundation_bench import _fresh_database  # noqa: E402 - after the path is set
from bench.workspace_bench import _analyze, _other_clinician, _sign_in  # noqa: E402

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
FORMATS = {"JSON": "application/json", "FHIR": "application/fhir+json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from bonecare import create_app
    from bonecare.accounts.models import User
    from bonecare.clock import FixedClock
    from bonecare.demo.seed import seed
    from bonecare.extensions import db

    url = _fresh_database(args.database_url, tempfile.mkdtemp(prefix="bonecare-bench-"))
    config = {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "CLOCK": FixedClock(NOW)}
    app = create_app(config | {"BONECARE_ARGON2_TIME_COST": 1, "BONECARE_ARGON2_MEMORY_KIB": 8192})
    client = app.test_client()
    with app.app_context():
        upgrade()
        clinician = _other_clinician(db.session, "export@bench.example")
        seed(db.session, patients=1, days=730, now=NOW, clinician=clinician, email_domain="export.bench.example")
        patient = db.session.scalars(select(User).where(User.email.like("%@export.bench.example"))).one()
        email, records = patient.email, patient.sync_clock
        _analyze(db.engine)
    headers = _sign_in(client, email)
    print(f"database: {url.split(':')[0]}; {args.runs} runs; load average {os.getloadavg()[0]:.1f}; {records} records")
    for name, media in FORMATS.items():
        times, size = [], 0
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get("/api/v1/patients/me/export", headers={**headers, "Accept": media})
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.get_data(as_text=True)
            size = len(response.data)
        print(f"{name:5} median {statistics.median(times):7.0f} ms  best {min(times):7.0f} ms  {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
