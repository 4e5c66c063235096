"""Clinic-pages benchmark: median in-process server time (WSGI, no network) of

  * the panel page (/clinic/) of a clinician with 500 patients of 90 days of logs (target: under 300 ms), and
  * a patient's page over 365 days (/clinic/patients/<id>?days=365) of a patient with a year of logs
    (target: under 150 ms),

signed in through the page's own form, as a browser is.

    .venv/bin/python bench/clinic_bench.py [--database-url URL] [--runs N]

Without --database-url it uses a fresh SQLite file; with one (PostgreSQL), THAT DATABASE IS EMPTIED.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.workspace_bench import NOW, _analyze, _median_ms, _other_clinician, _sign_in, bench_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import select

    from bonecare.accounts.models import User
    from bonecare.demo.seed import PASSWORD, seed
    from bonecare.extensions import db

    app, url = bench_app(args.database_url, BONECARE_INSECURE_COOKIES=True)  # the test client speaks plain HTTP
    with app.app_context():
        panel = _other_clinician(db.session, "panel@bench.example")
        seed(db.session, patients=500, days=90, now=NOW, clinician=panel, email_domain="panel.bench.example")
        one = _other_clinician(db.session, "one@bench.example")
        seed(db.session, patients=1, days=365, now=NOW, clinician=one, email_domain="one.bench.example", rng_seed=7)
        pid = db.session.scalar(select(User.id).where(User.email.like("%@one.bench.example")))
        _analyze(db.engine)
    print(f"database: {url.split(':')[0]}; {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    for email, path, what in (
        ("panel@bench.example", "/clinic/", "panel page, 500 patients (first page)"),
        ("one@bench.example", f"/clinic/patients/{pid}?days=365", "patient page, 365 days"),
    ):
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/clinic/login").get_data(as_text=True))
        form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        signed_in = client.post("/clinic/login", data=form)
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        wall, cpu = _median_ms(lambda client=client, path=path: client.get(path), args.runs)
        print(f"{what:42} median {wall:6.1f} ms (this process's CPU {cpu:6.1f} ms)")
    # The same panel through the API: what the page adds to the use case it calls.
    headers = _sign_in(app.test_client(), "panel@bench.example")
    client = app.test_client()
    wall, cpu = _median_ms(lambda: client.get("/api/v1/clinician/patients", headers=headers), args.runs)
    print(f"{'the API panel, same clinic (reference)':42} median {wall:6.1f} ms (this process's CPU {cpu:6.1f} ms)")


if __name__ == "__main__":
    main()
