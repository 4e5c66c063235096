"""Batch benchmark: one POST /batch of 200 intake creates, in-process on a fresh SQLite file, against the same 200
creates sent one by one; the wall and CPU time of each, the best and the median of a few runs.

    .venv/bin/python bench/batch_bench.py [--runs 7]

Not a test: it prints numbers for the closing notes (the target is under 500 ms for the batch).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CREATE = {"taken_at": "2026-03-08T08:00:00Z", "calcium_mg": 500, "source": "supplement"}
ACCOUNT = {"email": "bench@example.org", "password": "bench password", "display_name": "B", "timezone": "UTC"}


def _timed(call) -> tuple[float, float]:
    """Wall and CPU milliseconds of one call (the CPU time is this process's, whatever else the machine runs)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    """Time both ways on a fresh database and print them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from bonecare import create_app

    with tempfile.TemporaryDirectory() as workdir:
        # Rate limits on, as served, with room for any number of runs.
        database = f"sqlite:///{workdir}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": database, "BONECARE_BATCH_RATE_LIMIT": "10000 per minute"})
        with app.app_context():
            upgrade()
        client = app.test_client()
        client.post("/api/v1/auth/register", json=ACCOUNT)
        login = client.post("/api/v1/auth/login", json={k: ACCOUNT[k] for k in ("email", "password")}).json
        headers = {"Authorization": f"Bearer {login['access_token']}"}
        batch = {
            "requests": [
                {"id": str(i), "method": "POST", "url": "/patients/me/intake", "body": CREATE} for i in range(200)
            ]
        }

        def in_one_batch():
            answers = client.post("/api/v1/batch", json=batch, headers=headers).json["responses"]
            assert {answer["status"] for answer in answers} == {201}

        def one_by_one():
            for _ in range(200):
                assert client.post("/api/v1/patients/me/intake", json=CREATE, headers=headers).status_code == 201

        in_one_batch()  # warm-up
        for name, call in (("in one batch", in_one_batch), ("one by one", one_by_one)):
            samples = [_timed(call) for _ in range(args.runs)]
            walls, cpus = sorted(s[0] for s in samples), sorted(s[1] for s in samples)
            print(
                f"200 intake creates {name:12s}: wall best {walls[0]:4.0f} ms, median {statistics.median(walls):4.0f}"
                f" ms; CPU best {cpus[0]:4.0f} ms, median {statistics.median(cpus):4.0f} ms"
            )


if __name__ == "__main__":
    main()
