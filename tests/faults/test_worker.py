"""The reminders worker as its own process (`flask reminders run`, the real scheduler and clock) against a
private PostgreSQL that goes away, and stopped with SIGTERM in the middle of a batch: every due reminder is sent
exactly once or expired by its rule."""

import signal
import subprocess
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bonecare.accounts.models import User
from bonecare.dxa.models import DxaAppointment
from bonecare.reminders.models import Occurrence
from tests.faults.live import wait_for
from tests.reminders.fakes import FakeFcm
from tests.reminders.test_processes import seed, spawn
from tests.server import BIN, ROOT, app_env

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


@contextmanager
def worker(database_url: str, service: FakeFcm, log_path):
    """`flask --app app reminders run` sending through the fake FCM; stopped (SIGTERM) at the end."""
    env = app_env(
        database_url,
        BONECARE_PUSH_BACKEND="fcm",
        BONECARE_FCM_CREDENTIALS=str(service.credentials),
        BONECARE_FCM_ENDPOINT=service.url,
    )
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "reminders", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def sent_ids(service: FakeFcm) -> Counter:
    """How many times the push service accepted each occurrence."""
    return Counter(m["data"]["occurrence_id"] for m in list(service.accepted))


def statuses(session: Session, ids: list[str] | None = None) -> dict[str, str]:
    """Each occurrence's status (of these ids only, if given)."""
    session.rollback()
    found = {str(i): s for i, s in session.execute(select(Occurrence.id, Occurrence.status))}
    return {i: found[i] for i in ids} if ids is not None else found


def first_plan_pass(session: Session):
    """Seed before a worker starts; returns a check that its first planning pass is done. That pass cancels
    sourceless pending occurrences such as the seeded ones (the next comes five minutes later), so they are
    seeded after it: the check is that the pass made the reminders of a scan booked in a month."""
    now = datetime.now(UTC)
    patient = User(
        id=uuid.uuid4(),
        email=f"scan-{uuid.uuid4().hex[:8]}@example.org",
        password_hash="x",
        role="patient",
        display_name="Scan",
        timezone="UTC",
        created_at=now,
    )
    scan = DxaAppointment(
        id=uuid.uuid4(),
        patient_id=patient.id,
        scheduled_for=now.date() + timedelta(days=30),
        created_at=now,
        updated_at=now,
    )
    session.add(patient)
    session.flush()
    session.add(scan)
    session.commit()
    count = select(func.count()).select_from(Occurrence).where(Occurrence.appointment_id == scan.id)

    def done() -> bool:
        session.rollback()
        return session.scalar(count) > 0

    return done


@pytest.fixture
def db(pg):
    """(cluster, database url, an ORM session on it)."""
    cluster, database = pg
    engine = create_engine(cluster.url(database), pool_pre_ping=True)
    with Session(engine) as session:
        yield cluster, cluster.url(database), session
    engine.dispose()


def test_the_worker_rides_out_an_outage_and_sends_each_due_reminder_once_or_expires_it(db, tmp_path):
    cluster, url, session = db
    log = tmp_path / "worker.log"
    planned = first_plan_pass(session)
    with FakeFcm(tmp_path) as service, worker(url, service, log) as process:
        wait_for(planned, 30, "the worker's first planning pass")
        before = seed(session, 5, 20, datetime.now(UTC), tag="before")
        wait_for(lambda: set(sent_ids(service)) >= set(before), 30, "the first reminders being sent")

        # While the database is away, some fall due (2 h grace) and some outlive their grace (2 s).
        now = datetime.now(UTC)
        during = seed(session, 5, 20, now, due=now + timedelta(seconds=2), spread=1, tag="during")
        stale = seed(session, 2, 10, now, due=now + timedelta(seconds=1), spread=1, grace_seconds=2, tag="stale")
        session.close()
        cluster.stop()
        down = time.monotonic()
        wait_for(lambda: "database unavailable" in log.read_text(), 30, "the worker logging the outage")
        time.sleep(max(0, 6 - (time.monotonic() - down)))
        cluster.start()
        back = time.monotonic()
        wait_for(lambda: set(sent_ids(service)) >= set(during), 90, "the reminders due in the outage being sent")
        resumed_in = time.monotonic() - back
        wait_for(lambda: {statuses(session)[i] for i in stale} == {"expired"}, 30, "the stale ones expiring")

        # The database goes away while a batch is on the wire: its outcomes are recorded when it returns.
        service.delay = 0.3
        in_flight = seed(session, 10, 100, datetime.now(UTC), tag="inflight")
        wait_for(lambda: len(set(sent_ids(service)) & set(in_flight)) >= 16, 30, "a batch being sent")
        session.close()
        cluster.stop()
        time.sleep(3)
        cluster.start()
        wait_for(lambda: {statuses(session)[i] for i in in_flight} == {"sent"}, 90, "the batch being recorded")
        assert process.poll() is None  # it never stopped

    sent = sent_ids(service)
    assert all(sent[i] == 1 for i in before + during + in_flight)
    assert not set(sent) & set(stale)
    final = statuses(session, before + during + in_flight + stale)
    assert Counter(final.values()) == {"sent": 140, "expired": 10}
    text = log.read_text()
    assert "next try in" in text and "resumed after" in text  # logged, backed off, resumed
    assert "database unavailable while recording 100 outcomes" in text
    print(f"worker resumed sending {resumed_in:.1f} s after the database returned")


def test_sigterm_mid_batch_hands_the_unsent_claims_back_at_once_and_sends_nothing_twice(db, tmp_path):
    cluster, url, session = db
    planned = first_plan_pass(session)
    with FakeFcm(tmp_path) as service:
        service.delay = 0.2
        with worker(url, service, tmp_path / "worker.log") as process:
            wait_for(planned, 30, "the worker's first planning pass")
            ids = seed(session, 20, 200, datetime.now(UTC), tag="batch")
            wait_for(lambda: len(service.accepted) >= 20, 30, "the batch being under way")
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0

        after_stop = statuses(session, ids)
        delivered = sent_ids(service)
        assert "claimed" not in after_stop.values()  # nothing waits for the 5-minute lease
        assert {i for i, s in after_stop.items() if s == "sent"} == set(delivered)
        assert 0 < len(delivered) < 200 and set(after_stop.values()) == {"sent", "pending"}

        service.delay = 0
        # Another worker process sends the rest now, well inside the lease the stopped one would have held.
        second = spawn(url, service, datetime.now(UTC))
        second.communicate(timeout=60)
        assert second.returncode == 0
        assert set(statuses(session, ids).values()) == {"sent"}
    sent = sent_ids(service)
    assert set(sent) == set(ids) and set(sent.values()) == {1}
    tries = select(func.count()).where(Occurrence.id.in_([uuid.UUID(i) for i in ids]), Occurrence.attempts != 1)
    assert session.scalar(tries) == 0
