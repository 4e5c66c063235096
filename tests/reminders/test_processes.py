"""Several worker processes on one database: every occurrence delivered exactly once, nothing lost when a
worker is killed after claiming."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bonecare.accounts.models import User
from bonecare.extensions import db
from bonecare.reminders import dispatch, queue
from bonecare.reminders.models import Device, Occurrence
from bonecare.reminders.push.fcm import FcmBackend
from tests.reminders.conftest import at
from tests.reminders.fakes import FakeFcm

ROOT = Path(__file__).resolve().parents[2]
NOW = at("2026-03-10T08:00:00Z")


def seed(
    session,
    patients: int,
    occurrences: int,
    now=NOW,
    *,
    due=None,
    spread: int = 60,
    grace_seconds: int = 7200,
    tag: str = "load",
) -> list[str]:
    """Patients with one FCM device each and `occurrences` due ones spread over them (bulk inserts), due at `due`
    (default `now`) or up to `spread` - 1 seconds before; returns the occurrences' ids."""
    ids = [uuid.uuid4() for _ in range(patients)]
    session.execute(
        insert(User),
        [
            {
                "id": pid,
                "email": f"{tag}{i}-{pid.hex[:6]}@example.org",
                "password_hash": "x",
                "role": "patient",
                "display_name": "Load",
                "timezone": "UTC",
                "created_at": now,
            }
            for i, pid in enumerate(ids)
        ],
    )
    session.execute(
        insert(Device),
        [
            {
                "id": uuid.uuid4(),
                "patient_id": pid,
                "platform": "fcm",
                "token": f"token-{tag}-{i}",
                "active": True,
                "created_at": now,
            }
            for i, pid in enumerate(ids)
        ],
    )
    due = due or now
    rows = [
        {
            "id": uuid.uuid4(),
            "key": f"{tag}:{n}",
            "patient_id": ids[n % patients],
            "kind": "custom",
            "title": "Reminder",
            "body": "Open the app for details.",
            "local_date": due.date(),
            "due_at": due - timedelta(seconds=n % spread),
            "grace_seconds": grace_seconds,
            "status": "pending",
            "attempts": 0,
            "late": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(occurrences)
    ]
    for i in range(0, len(rows), 2000):
        session.execute(insert(Occurrence), rows[i : i + 2000])
    session.commit()
    return [str(row["id"]) for row in rows]


def spawn(database_url: str, service: FakeFcm, now=NOW) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reminders.worker_process",
            database_url,
            now.isoformat(),
            str(service.credentials),
            service.url,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres_only
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BONECARE_TEST_DATABASE_URL"), reason="needs PostgreSQL")
@pytest.mark.parametrize("workers", [2, 4])
def test_ten_thousand_due_occurrences_each_delivered_exactly_once(app, session, database_url, tmp_path, workers):
    seed(session, patients=200, occurrences=10_000)
    with FakeFcm(tmp_path) as service:
        procs = [spawn(database_url, service) for _ in range(workers)]
        reports = []
        for proc in procs:
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0
            reports.append(json.loads(out.strip().splitlines()[-1]))
        delivered = Counter(m["data"]["occurrence_id"] for m in service.accepted)
    assert len(delivered) == 10_000 and set(delivered.values()) == {1}
    assert sum(r.get("sent", 0) for r in reports) == 10_000
    assert sum(1 for r in reports if r.get("sent")) >= 2  # the work was really shared
    statuses = dict(session.execute(select(Occurrence.status, func.count()).group_by(Occurrence.status)).all())
    assert statuses == {"sent": 10_000}


def test_a_worker_killed_after_claiming_leaves_its_claim_to_expire_and_nothing_is_lost(
    app, session, database_url, tmp_path, use_backend
):
    seed(session, patients=1, occurrences=1)
    with FakeFcm(tmp_path) as service:

        def hang(request):  # accept the request, never answer while the worker lives
            deadline = time.monotonic() + 30
            while not service.released and time.monotonic() < deadline:
                time.sleep(0.05)
            return 500, {}, b""

        service.released = False
        service.script.append(hang)
        proc = spawn(database_url, service)
        deadline = time.monotonic() + 60
        while not [r for r in service.requests if r["path"] != "/token"] and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        service.released = True
        assert proc.returncode == -signal.SIGKILL

        [occurrence] = session.scalars(select(Occurrence)).all()
        assert occurrence.status == "claimed" and occurrence.claimed_by
        session.expunge_all()
        backend = use_backend(
            FcmBackend(
                {
                    **app.config,
                    "BONECARE_FCM_CREDENTIALS": str(service.credentials),
                    "BONECARE_FCM_ENDPOINT": service.url,
                }
            )
        )
        later = NOW + timedelta(minutes=1)
        assert queue.recover(session, later) == 0  # the lease still holds
        session.commit()
        assert dispatch.dispatch_batch(session, backend, later, "survivor")["claimed"] == 0
        after_lease = NOW + queue.LEASE + timedelta(seconds=1)
        assert queue.recover(session, after_lease) == 1
        session.commit()
        counts = dispatch.dispatch_batch(session, backend, after_lease, "survivor")
        assert counts["sent"] == 1 and counts["late"] == 1
        assert len(service.accepted) == 1
        assert session.scalar(select(Occurrence.status)) == "sent"
        assert (
            dispatch.dispatch_batch(session, backend, after_lease + timedelta(minutes=10), "survivor")["claimed"] == 0
        )
    assert db.session.scalar(select(func.count()).select_from(Occurrence)) == 1
