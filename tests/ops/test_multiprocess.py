"""GET /metrics under gunicorn with two workers (prometheus-client's multiprocess mode): a scrape sums what every
process counted, the workers' requests and a `flask reminders tick`'s reminders alike."""

import glob
import io
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from bonecare.extensions import db
from bonecare.reminders.models import Occurrence
from tests.ops.lines import Lines
from tests.ops.scraping import value
from tests.server import app_env, flask, free_port, gunicorn

ROUTE = "/api/v1/education"
SENT = 200


def _gone_pid() -> int:
    """The id of no running process."""
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid -= 1
    return pid


@pytest.fixture(scope="module")
def served(app, database_url, tmp_path_factory):
    """(base URL, env, metrics folder, log file): two sync workers, so that concurrent requests meet both."""
    root = tmp_path_factory.mktemp("multiprocess")
    folder = root / "metrics"
    folder.mkdir()
    stale = folder / f"counter_{_gone_pid()}.db"
    stale.write_bytes(b"a previous run's")
    env = app_env(database_url, PROMETHEUS_MULTIPROC_DIR=str(folder))
    port, log = free_port(), root / "gunicorn.log"
    with gunicorn("app:app", port, env, log, workers=2, threads=1):
        assert not stale.exists()  # gunicorn.conf.py's on_starting dropped it
        yield f"http://127.0.0.1:{port}", env, folder, log


def _scrape(base: str) -> str:
    response = requests.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


def _served_per_process(folder: Path) -> list[float]:
    """What each process's own file counted for ROUTE: one number per process that served it."""
    counts = []
    for file in glob.glob(os.path.join(folder, "counter_*.db")):
        for metric in MultiProcessCollector.merge([file], accumulate=False):
            counts += [
                s.value
                for s in metric.samples
                if s.name == "bonecare_http_requests_total" and s.labels.get("route") == ROUTE
            ]
    return counts


def test_the_scrape_sums_the_requests_both_workers_served(served):
    base, _env, folder, log = served
    before = value(_scrape(base), "bonecare_http_requests_total", method="GET", route=ROUTE, status="200")

    def call(_):
        response = requests.get(base + ROUTE, headers={"Connection": "close"}, timeout=30)
        return response.status_code, response.headers.get("X-Request-Id")

    # Batches until both workers have served some (a worker still booting on a busy machine serves none at first).
    answers: list = []
    with ThreadPoolExecutor(8) as pool:
        while len(answers) < 20 * SENT and (not answers or len([n for n in _served_per_process(folder) if n]) < 2):
            answers += pool.map(call, range(SENT))
    sent = len(answers)
    assert [status for status, _ in answers] == [200] * sent
    assert len({rid for _, rid in answers}) == sent  # each its own fresh id
    text = _scrape(base)
    assert value(text, "bonecare_http_requests_total", method="GET", route=ROUTE, status="200") - before == sent
    count = value(text, "bonecare_http_request_duration_seconds_count", method="GET", route=ROUTE)
    assert count - before == sent
    per_process = [n for n in _served_per_process(folder) if n]
    assert len(per_process) >= 2 and sum(per_process) == before + sent  # both workers served, the scrape summed them
    lines = Lines(io.StringIO(log.read_text())).access(ROUTE)  # every line of the server's log is JSON
    assert len(lines) >= sent and {line["request_id"] for line in lines} >= {rid for _, rid in answers}


def test_a_tick_in_another_process_shows_in_the_workers_scrape(served, due_reminder, app):
    base, env, _folder, _log = served
    before = _scrape(base)
    summary = flask(env, "reminders", "tick", "--now", "2026-03-10T09:30:00Z")
    assert '"sent": 1' in summary and '"late": 1' in summary
    after = _scrape(base)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("bonecare_reminders_due_total") == 1
    assert grew("bonecare_reminders_outcomes_total", outcome="sent") == 1
    assert grew("bonecare_reminders_late_total") == 1
    assert grew("bonecare_reminders_dispatch_lag_seconds_count") == 1
    assert grew("bonecare_reminders_dispatch_lag_seconds_sum") == 90 * 60
    assert value(after, "bonecare_reminders_worker_heartbeat_timestamp_seconds") > 0
    with app.app_context():  # the servers' clock is the real one: every planned occurrence but the sent is due
        due = select(func.count()).where(
            Occurrence.status.in_(("pending", "claimed")), Occurrence.due_at <= datetime.now(UTC)
        )
        expected = db.session.scalar(due)
    assert expected > 0 and value(after, "bonecare_reminders_queue_depth") == expected
