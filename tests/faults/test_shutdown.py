"""SIGTERM to gunicorn in the middle of a burst of writes: the requests in flight are answered, no acknowledged
write is lost, and the inline reminders worker hands its claims back as the process exits."""

import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.faults.live import assert_served, stored_intake, wait_for
from tests.faults.test_worker import first_plan_pass, sent_ids, statuses
from tests.reminders.fakes import FakeFcm
from tests.reminders.test_processes import seed

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

PHONES = 8


def test_sigterm_to_gunicorn_during_a_burst_answers_in_flight_requests_and_loses_no_acknowledged_write(
    pg, serve, tmp_path
):
    cluster, database = pg
    engine = create_engine(cluster.url(database))
    session = Session(engine)
    planned = first_plan_pass(session)
    push = FakeFcm(tmp_path).__enter__()
    push.delay = 1.0  # a batch takes several seconds: SIGTERM finds one on the wire
    env = {
        "BONECARE_INLINE_WORKER": "1",
        "BONECARE_PUSH_BACKEND": "fcm",
        "BONECARE_FCM_CREDENTIALS": str(push.credentials),
        "BONECARE_FCM_ENDPOINT": push.url,
    }
    # make run's set-up: one worker process, eight threads, the reminders worker inline.
    with serve(cluster.url(database), workers=1, threads=8, **env) as (process, client):
        wait_for(planned, 30, "the inline worker's first planning pass")
        due = seed(session, 20, 200, datetime.now(UTC), tag="inline")
        session.close()
        client.sign_up()
        refused = threading.Event()

        def phone(_):  # writes until the server stops taking connections
            while not refused.is_set():
                answer = client.write()
                if answer.status is None:
                    refused.set()

        with ThreadPoolExecutor(PHONES) as pool:
            phones = [pool.submit(phone, n) for n in range(PHONES)]
            try:
                wait_for(lambda: len(client.answers) >= 200 and push.accepted, 30, "the burst getting under way")
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=40) == 0
            finally:
                refused.set()
            for future in phones:
                future.result()

    push.__exit__()
    after = Counter(statuses(session, due).values())
    session.close()
    engine.dispose()
    delivered = sent_ids(push)
    assert "claimed" not in after and after["sent"] == len(delivered) and set(delivered.values()) == {1}
    assert after["sent"] + after["pending"] == len(due) and after["pending"] > 0  # handed back, not left claimed

    unanswered = [a for a in client.answers if a.status is None]
    assert_served(client.answers, {201})
    acknowledged = client.acknowledged()
    assert len(acknowledged) >= 200
    stored = stored_intake(cluster.url(database), acknowledged | {a.id for a in unanswered})
    assert acknowledged <= stored
    # A request that got no answer was never taken in (refused, or reset before it was read): none was
    # stored behind the client's back, so repeating it is the whole story.
    assert not {a.id for a in unanswered} & stored, [a.error for a in unanswered]
    print(
        f"{len(acknowledged)} writes acknowledged and kept; {len(unanswered)} refused after SIGTERM:",
        sorted({a.error[:90] for a in unanswered}),
        f"reminders: {dict(after)}",
    )
