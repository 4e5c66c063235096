"""Prometheus metrics at GET /metrics: requests by route template, the reminders worker's outcomes, lag and
heartbeat, the queue's depth. Under several processes (gunicorn's workers, `flask reminders run`) each writes its
own files in PROMETHEUS_MULTIPROC_DIR and a scrape sums them; without that variable, one in-memory registry."""

import functools
import glob
import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from bonecare.extensions import db, limiter
from bonecare.reminders import dispatch, queue
from bonecare.reminders.models import TERMINAL_STATUSES

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}  # any other is counted as "other"
OUTCOMES = ("retrying", *TERMINAL_STATUSES)  # what a claimed occurrence became (dispatch.py's counts)
LAG_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)

bp = Blueprint("metrics", __name__)


@dataclass(frozen=True)
class Instruments:
    """This process's metrics."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    due: Counter
    outcomes: Counter
    late: Counter
    lag: Histogram
    heartbeat: Gauge


@functools.cache
def instruments() -> Instruments:
    """The process's metrics, made on first use (not on import); labelled ones are filed when first counted."""
    disable_created_metrics()  # no *_created series: multiprocess mode has none, and one shape for both is simpler
    registry = CollectorRegistry(auto_describe=True)
    made = Instruments(
        registry,
        Counter("bonecare_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=registry),
        Histogram(
            "bonecare_http_request_duration_seconds", "Time to answer a request", ["method", "route"], registry=registry
        ),
        Counter("bonecare_reminders_due", "Occurrences a worker claimed as due", registry=registry),
        Counter("bonecare_reminders_outcomes", "What claimed occurrences became", ["outcome"], registry=registry),
        Counter("bonecare_reminders_late", "Occurrences sent over 60 s after their due instant", registry=registry),
        Histogram(
            "bonecare_reminders_dispatch_lag_seconds",
            "Seconds from an occurrence's due time to its send",
            buckets=LAG_BUCKETS,
            registry=registry,
        ),
        Gauge(
            "bonecare_reminders_worker_heartbeat_timestamp_seconds",
            "Unix time of the latest dispatch pass of any worker",
            multiprocess_mode="max",
            registry=registry,
        ),
    )
    for outcome in OUTCOMES:
        made.outcomes.labels(outcome)  # each shows 0 before it first happens
    return made


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request under its route's template (never its path) and record how long it took."""
    method = method if method in METHODS else "other"
    made = instruments()
    made.requests.labels(method, route, str(status)).inc()
    made.latency.labels(method, route).observe(seconds)


def observe_batch(_sender=None, *, counts, lags) -> None:
    """Count what one dispatch batch did (dispatch.batch_recorded), and mark the worker's pass."""
    made = instruments()
    made.due.inc(counts.get("claimed", 0))
    made.late.inc(counts.get("late", 0))
    for outcome in OUTCOMES:
        if counts.get(outcome):
            made.outcomes.labels(outcome).inc(counts[outcome])
    for lag in lags:
        made.lag.observe(max(lag, 0.0))
    made.heartbeat.set(time.time())


class QueueDepth:
    """The due-and-unsent occurrences, counted when scraped (at the app's clock); left out if the database is down."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        """One gauge, read now."""
        try:
            depth = queue.depth(db.session, self.app.extensions["bonecare.clock"].now())
        except SQLAlchemyError:
            db.session.rollback()
            return
        yield GaugeMetricFamily("bonecare_reminders_queue_depth", "Occurrences due and not yet sent", value=depth)


def multiprocess_mode() -> bool:
    """Whether the metrics are files shared by processes: prometheus-client decided it on import, from the env."""
    return values.ValueClass is not values.MutexValue


def scrape(app: Flask) -> bytes:
    """Every metric in Prometheus's text format: summed over the processes' files, or this process's registry."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(instruments().registry)
    registry.register(QueueDepth(app))
    return generate_latest(registry)


@bp.get("/metrics")
@limiter.exempt
def metrics_view():
    """Prometheus's scrape: no token, no health data, no per-patient label."""
    return Response(scrape(current_app._get_current_object()), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def init_app(app: Flask) -> None:
    """Serve /metrics (outside the API and its spec) and count the reminders worker's batches."""
    app.register_blueprint(bp)
    dispatch.batch_recorded.connect(observe_batch)


def prepare_dir() -> None:
    """gunicorn's start: make PROMETHEUS_MULTIPROC_DIR and drop the files of processes gone (a previous run's);
    a live process's (a reminders worker's) stay."""
    path = os.environ.get(MULTIPROC_DIR)
    if not path:
        return
    Path(path).mkdir(parents=True, exist_ok=True)
    for file in glob.glob(os.path.join(path, "*.db")):
        pid = Path(file).stem.rpartition("_")[2]
        if not (pid.isdigit() and _alive(int(pid))):
            os.remove(file)


def process_dead(pid: int) -> None:
    """gunicorn's child_exit: a dead worker's live gauges go (its counters stay in the sums)."""
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.mark_process_dead(pid)


def _alive(pid: int) -> bool:
    """Whether a process of this id runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
