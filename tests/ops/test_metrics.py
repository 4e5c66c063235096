"""GET /metrics in one process: requests counted by route template and status, the reminders worker's outcomes,
lag and heartbeat, the queue's depth; no token needed, nothing of a patient's in it."""

import time

from sqlalchemy.exc import OperationalError

from bonecare.reminders import queue, worker
from tests.factories import log_intake
from tests.ops.scraping import samples, value
from tests.reminders.conftest import at

ENTRY = "/api/v1/patients/<pid>/intake/<uuid:entry_id>"


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    return response.get_data(as_text=True)


def requests_of(text: str, route: str, status: str, method: str = "GET") -> float:
    return value(text, "bonecare_http_requests_total", method=method, route=route, status=status)


def test_requests_are_counted_by_route_template_and_status(auth, client):
    patient = auth.as_patient()
    entry = log_intake(patient, "2026-03-08T08:00:00Z", calcium=1234.5)
    before = scrape(client)
    for _ in range(3):
        assert patient.get(f"/api/v1/patients/{patient.id}/intake/{entry['id']}").status_code == 200
    assert patient.get(f"/api/v1/patients/me/intake/{'0' * 8}-0000-0000-0000-{'0' * 12}").status_code == 404
    after = scrape(client)
    assert requests_of(after, ENTRY, "200") - requests_of(before, ENTRY, "200") == 3
    assert requests_of(after, ENTRY, "404") - requests_of(before, ENTRY, "404") == 1
    count = "bonecare_http_request_duration_seconds_count"
    assert value(after, count, method="GET", route=ENTRY) - value(before, count, method="GET", route=ENTRY) == 4
    labels = {v for s in samples(after) for v in s.labels.values()}
    assert not {patient.id, entry["id"], patient.email} & labels
    assert "1234.5" not in after and patient.id not in after


def test_metrics_needs_no_token_is_not_rate_limited_and_not_in_the_spec(client, spec):
    for _ in range(30):
        response = client.get("/metrics")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
    assert "/metrics" not in spec["paths"]
    before = scrape(client)
    client.get("/no/such/thing/4242?secret=1")
    after = scrape(client)
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    assert "4242" not in after and "secret" not in after


def test_a_worker_pass_counts_due_sent_late_and_the_lag(app, client, clock, due_reminder):
    clock.set("2026-03-10T09:30:00Z")
    before = scrape(client)
    assert value(before, "bonecare_reminders_queue_depth") == 1  # 08:00 is due, not sent
    started = time.time()
    summary = worker.tick(app, at("2026-03-10T09:30:00Z"))  # 1 h 30 late, inside the 2 h grace
    assert summary["sent"] == 1 and summary["late"] == 1
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("bonecare_reminders_due_total") == 1
    assert grew("bonecare_reminders_outcomes_total", outcome="sent") == 1
    assert grew("bonecare_reminders_outcomes_total", outcome="failed") == 0
    assert grew("bonecare_reminders_late_total") == 1
    assert grew("bonecare_reminders_dispatch_lag_seconds_count") == 1
    assert grew("bonecare_reminders_dispatch_lag_seconds_sum") == 90 * 60
    assert grew("bonecare_reminders_dispatch_lag_seconds_bucket", le="3600.0") == 0
    assert grew("bonecare_reminders_dispatch_lag_seconds_bucket", le="7200.0") == 1
    assert value(after, "bonecare_reminders_worker_heartbeat_timestamp_seconds") >= started
    assert value(after, "bonecare_reminders_queue_depth") == 0


def test_the_scrape_answers_without_the_queue_depth_when_the_database_fails(client, monkeypatch):
    def unreachable(*_args):
        raise OperationalError("SELECT count(*)", {}, Exception("connection refused"))

    monkeypatch.setattr(queue, "depth", unreachable)
    text = scrape(client)
    assert "bonecare_reminders_queue_depth" not in text and "bonecare_reminders_due_total" in text
