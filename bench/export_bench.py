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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.workspace_bench import NOW, _analyze, _other_clinician, _sign_in, bench_app  # noqa: E402

FORMATS = {"JSON": "application/json", "FHIR": "application/fhir+json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from sqlalchemy import select

    from bonecare.accounts.models import User
    from bonecare.demo.seed import seed
    from bonecare.extensions import db

    app, url = bench_app(args.database_url)
    client = app.test_client()
    with app.app_context():
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
