"""In-process profile of one hot request (POST intake, GET today or GET adherence) over the Flask test client:
cProfile's top costs by cumulative and own time, as a share of a request, and the SQL statements one request runs.

    .venv/bin/python bench/profile_request.py [--endpoint today|intake|adherence] [--n 2000] [--database-url URL]
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.workspace_bench import NOW, bench_app  # noqa: E402


def _client(database_url: str | None):
    """A test client signed in as a new patient with a month of intake, and the headers that sign her in."""
    app, _ = bench_app(database_url)
    client = app.test_client()
    body = {"email": f"{uuid.uuid4().hex}@example.org", "password": "bench password", "display_name": "B"}
    client.post("/api/v1/auth/register", json={**body, "timezone": "America/New_York"})
    token = client.post("/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    return app, client, headers


def _call(client, headers, endpoint: str):
    now = NOW - timedelta(hours=1)  # the app's clock is fixed at NOW
    if endpoint == "intake":
        intake = {"taken_at": now.isoformat(), "calcium_mg": 500, "source": "supplement"}
        return lambda: client.post("/api/v1/patients/me/intake", headers=headers, json=intake)
    return lambda: client.get(f"/api/v1/patients/me/{endpoint}", headers=headers)


def _timed(call, n: int) -> float:
    """CPU milliseconds a call over n calls: on a shared machine the wall clock says more about the others."""
    started = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - started) / n * 1000


def main() -> int:
    """Warm up, count statements, then profile n requests and print the top costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="today", choices=["today", "intake", "adherence"])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    app, client, headers = _client(args.database_url)
    call = _call(client, headers, args.endpoint)
    for _ in range(200):
        assert call().status_code < 300
    from sqlalchemy import event

    from bonecare.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *a: statements.append(a[2].split("\n")[0][:90])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    call()
    event.remove(engine, "before_cursor_execute", listener)
    per_request = min(_timed(call, args.n // 5) for _ in range(5))  # the best of five: the machine is shared
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.n):
        call()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    print(f"{args.endpoint}: {per_request:.2f} CPU ms a request unprofiled (best of 5); {len(statements)} statements:")
    for s in statements:
        print("   ", s)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
