"""Sync benchmark, in-process (WSGI, no network):

  * a full sync (GET /changes page by page, no since) of a patient with 2 years of logs, about 4,500 records
    (target: the whole pass under 1 s),
  * an incremental sync answering 10 changes (target: median under 10 ms),
  * a 200-request POST /batch of intake creates (target: under 500 ms),

then the same after adding ten times her rows as other patients' (target: within 1.3x).

    .venv/bin/python bench/sync_bench.py [--database-url URL] [--runs N]

Without --database-url it uses a fresh SQLite file; with one (PostgreSQL), THAT DATABASE IS EMPTIED.
Not a test: it prints numbers for the closing notes of the issues.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.workspace_bench import NOW, _analyze, _other_clinician, _sign_in, bench_app  # noqa: E402

CHANGES = "/api/v1/patients/me/changes"


def _full_sync(client, headers) -> tuple[float, int, int]:
    """One full pass: (milliseconds, records, pages)."""
    start, since, records, pages = time.perf_counter(), None, 0, 0
    while True:
        query = "limit=1000" + (f"&since={since}" if since is not None else "")
        response = client.get(f"{CHANGES}?{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.json
        records, pages, since = records + len(page["items"]), pages + 1, page["next_since"]
        if not page["has_more"]:
            return (time.perf_counter() - start) * 1000, records, pages


def _median(call, runs: int) -> float:
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _intake(minutes_ago: int) -> dict:
    taken = (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    return {"id": str(uuid.uuid4()), "taken_at": taken, "calcium_mg": 100, "source": "diet"}


def _measure(client, headers, runs: int) -> dict:
    full = [_full_sync(client, headers) for _ in range(max(3, runs // 10))]
    head = _full_sync_head(client, headers)
    for minutes in range(10):
        assert client.post("/api/v1/patients/me/intake", json=_intake(minutes + 1), headers=headers).status_code == 201
    incremental = _median(lambda: client.get(f"{CHANGES}?since={head}", headers=headers), runs)
    assert len(client.get(f"{CHANGES}?since={head}", headers=headers).json["items"]) == 10
    batch = None
    if any(rule.rule == "/api/v1/batch" for rule in client.application.url_map.iter_rules()):
        requests = [
            {"id": str(n), "method": "POST", "url": "/patients/me/intake", "body": _intake(n + 20)} for n in range(200)
        ]
        start = time.perf_counter()
        answer = client.post("/api/v1/batch", json={"requests": requests}, headers=headers)
        batch = (time.perf_counter() - start) * 1000
        assert answer.status_code == 200 and {r["status"] for r in answer.json["responses"]} == {201}
    return {
        "full": statistics.median(f[0] for f in full),
        "records": full[0][1],
        "pages": full[0][2],
        "incremental": incremental,
        "batch": batch,
    }


def _full_sync_head(client, headers) -> int:
    since = None
    while True:
        page = client.get(f"{CHANGES}?limit=1000" + (f"&since={since}" if since else ""), headers=headers).json
        since = page["next_since"]
        if not page["has_more"]:
            return since


def main() -> None:
    """Seed one patient with two years, measure; add ten times her rows as other patients', measure again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from bonecare.accounts.models import User
    from bonecare.demo.seed import seed
    from bonecare.extensions import db

    app, url = bench_app(args.database_url)
    client = app.test_client()
    with app.app_context():
        clinician = _other_clinician(db.session, "sync@bench.example")
        seed(db.session, patients=1, days=730, now=NOW, clinician=clinician, email_domain="sync.bench.example")
        email = db.session.scalar(select(User.email).where(User.email.like("%@sync.bench.example")))
        own_rows = db.session.scalar(select(User.sync_clock).where(User.email == email))
        _analyze(db.engine)
    headers = _sign_in(client, email)
    print(
        f"database: {url.split(':')[0]}; {args.runs} runs; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; the patient's records: {own_rows}"
    )
    before = _measure(client, headers, args.runs)
    _report(before)

    with app.app_context():
        others = _other_clinician(db.session, "others@bench.example")
        seed(db.session, patients=11, days=730, now=NOW, clinician=others, email_domain="o.bench.example", rng_seed=5)
        total = db.session.scalar(select(func.sum(User.sync_clock)))
        _analyze(db.engine)
    print(f"after adding other patients: {total} versioned records in all ({total / own_rows:.1f}x hers)")
    _report(_measure(client, headers, args.runs), before)


def _report(figures: dict, before: dict | None = None) -> None:
    def ratio(key):
        return f" ({figures[key] / before[key]:.2f}x)" if before and before[key] else ""

    print(
        f"  full sync: {figures['full']:.0f} ms for {figures['records']} records in {figures['pages']} pages"
        f"{ratio('full')} (target < 1000 ms)"
    )
    print(f"  incremental sync, 10 changes: median {figures['incremental']:.1f} ms{ratio('incremental')} (target < 10)")
    if figures["batch"] is not None:
        print(f"  batch of 200 intake creates: {figures['batch']:.0f} ms{ratio('batch')} (target < 500)")


if __name__ == "__main__":
    main()
