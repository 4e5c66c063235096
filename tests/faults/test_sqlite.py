"""SQLite under contention in `make run`'s set-up (gunicorn, one worker, eight threads, the reminders worker
inline): many phones writing at once get no "database is locked"."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from tests.faults.live import API, Client, assert_served, stored_intake
from tests.server import app_env, flask
from tests.world import now_iso

pytestmark = pytest.mark.slow

PHONES, WRITES = 24, 20


def writes(client: Client, n: int) -> None:
    """One phone's morning: supplements, exercise, the day's habits, reminder rules (which re-plan at once)."""
    for i in range(n):
        client.write()
        client.call(
            "POST",
            f"{API}/patients/me/exercise",
            {"id": str(uuid.uuid4()), "started_at": now_iso(), "duration_min": 30, "kind": "balance"},
        )
        day = datetime.now(UTC).date().isoformat()
        client.call("PUT", f"{API}/patients/me/habits/{day}", {"cigarettes": 0, "alcohol_drinks": i % 3})
        if i % 5 == 0:
            client.call("POST", f"{API}/patients/me/reminders", {"kind": "supplement", "time_of_day": f"0{i // 5}:30"})


def test_many_writers_on_sqlite_in_the_default_set_up_never_meet_a_locked_database(serve, tmp_path):
    url = f"sqlite:///{tmp_path / 'bonecare.sqlite3'}"
    flask(app_env(url), "db", "upgrade")
    with serve(url, workers=1, threads=8, BONECARE_INLINE_WORKER="1") as (_, front):
        phones = [Client(front.base).sign_up() for _ in range(PHONES // 4)] * 4  # four phones per patient
        with ThreadPoolExecutor(PHONES) as pool:
            list(pool.map(lambda phone: writes(phone, WRITES), phones))
    answers = [a for phone in set(phones) for a in phone.answers]
    assert len(answers) >= PHONES * WRITES * 3
    assert_served(answers, {200, 201})  # a locked database would be a 503 (or, before, a 500)
    assert "database is locked" not in (tmp_path / "gunicorn.log").read_text()
    acknowledged = set().union(*(phone.acknowledged() for phone in set(phones)))
    assert stored_intake(url, acknowledged) == acknowledged
