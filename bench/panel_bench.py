"""Panel benchmark: median in-process server time (WSGI, no network) of the API panel's first page, a filtered
page, a page sorted by adherence and a second page, for a clinic of 500 and one of 5,000 patients with 90 days of
logs each (the demo seed), and the growth when the clinic grows 10x. Targets (issue 16): at 5,000 patients on
PostgreSQL, first and filtered page under 100 ms; at most 1.3x the 500-patient figures.

    .venv/bin/python bench/panel_bench.py [--database-url URL] [--runs N] [--large 5000]

Without --database-url it uses a fresh SQLite file; with one (PostgreSQL), THAT DATABASE IS EMPTIED.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.workspace_bench import NOW, _analyze, _median_ms, _other_clinician, _sign_in, bench_app  # noqa: E402

PANEL = "/api/v1/clinician/patients"
PAGES = (
    ("first page (severity, 50)", ""),
    ("filtered: LOW_CALCIUM_ADHERENCE", "?flag=LOW_CALCIUM_ADHERENCE"),
    ("sorted by adherence", "?sort=adherence"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--large", type=int, default=5000)
    args = parser.parse_args()

    from bonecare.demo.seed import seed
    from bonecare.extensions import db

    app, url = bench_app(args.database_url)
    sizes = (args.large // 10, args.large)
    with app.app_context():
        for size in sizes:
            clinician = _other_clinician(db.session, f"panel{size}@bench.example")
            start = time.perf_counter()
            seed(db.session, patients=size, days=90, now=NOW, clinician=clinician, email_domain=f"c{size}.example")
            print(f"seeded {size} patients x 90 days (panel rows included) in {time.perf_counter() - start:.0f} s")
        _analyze(db.engine)
    print(f"database: {url.split(':')[0]}; {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    results = {}
    for size in sizes:
        client = app.test_client()
        headers = _sign_in(client, f"panel{size}@bench.example")
        cursor = client.get(PANEL + "?limit=20", headers=headers).json["next_cursor"]
        for what, query in (*PAGES, ("second page (20)", f"?limit=20&cursor={cursor}")):
            wall, cpu = _median_ms(lambda q=query, c=client, h=headers: c.get(PANEL + q, headers=h), args.runs)
            results[size, what] = wall
            print(f"{size:5} patients  {what:34} median {wall:6.1f} ms (this process's CPU {cpu:6.1f} ms)")
    for what, _ in (*PAGES, ("second page (20)", "")):
        small, large = results[sizes[0], what], results[sizes[1], what]
        print(f"growth 10x  {what:34} {large / small:4.2f}x")


if __name__ == "__main__":
    main()
