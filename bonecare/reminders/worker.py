"""The reminders worker: APScheduler ticks the periodic jobs (plan, dispatch, recover, prune); the database
holds the truth, so any number of workers is safe."""

import logging
import os
import socket
import uuid
from collections import Counter
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bonecare.clock import FixedClock
from bonecare.errors import log_withheld
from bonecare.extensions import db
from bonecare.reminders import dispatch as dispatching
from bonecare.reminders.planner import plan
from bonecare.reminders.push import backend_for

log = logging.getLogger(__name__)

# Seconds between runs of each periodic job.
INTERVALS = {"plan": 300, "dispatch": 5, "recover": 60, "prune": 86_400}
# Explicit, not APScheduler's defaults (whose 1-second misfire grace silently drops runs).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


def worker_id() -> str:
    """A name for this worker process, recorded on its claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def worker_name(app) -> str:
    """This app's worker name, made on first use: the one place that sets it."""
    return app.extensions.setdefault("bonecare.worker", worker_id())


def _clock(app, now: datetime | None):
    """A fixed clock at `now`, else the app's own."""
    return FixedClock(now) if now else app.extensions["bonecare.clock"]


def run_plan(app, now: datetime | None = None) -> dict:
    """Plan every patient's occurrences."""
    with app.app_context():
        return plan(db.session, _clock(app, now).now())


def run_dispatch(app, now: datetime | None = None, worker: str | None = None) -> Counter:
    """Send everything due (at a fixed `now`, or the app's clock read before each batch)."""
    with app.app_context():
        return dispatching.dispatch(db.session, backend_for(app), _clock(app, now).now, worker or worker_name(app))


def run_recover(app, now: datetime | None = None) -> int:
    """Return expired leases to pending."""
    with app.app_context():
        return dispatching.recover(db.session, _clock(app, now).now())


def run_prune(app, now: datetime | None = None) -> int:
    """Forget finished occurrences past the kept history."""
    with app.app_context():
        return dispatching.prune(db.session, _clock(app, now).now())


def tick(app, now: datetime | None = None) -> dict:
    """One pass of every job at `now` (default: the app's clock): what `reminders tick` prints."""
    now = _clock(app, now).now()
    planned = run_plan(app, now)
    recovered = run_recover(app, now)
    counts = run_dispatch(app, now)
    pruned = run_prune(app, now)
    summary = {key: counts.get(key, 0) for key in ("sent", "skipped", "failed", "expired", "retrying", "late")}
    return {"now": now.isoformat().replace("+00:00", "Z"), **summary, "claimed": counts.get("claimed", 0),
            "recovered": recovered, "pruned": pruned, "planned": planned}


def _guarded(name, func, app):
    def job():
        try:
            func(app)
        except Exception as err:  # a failed run must not stop the scheduler; the next run tries again
            log_withheld(log, f"reminders job {name} failed", err)

    job.__name__ = f"reminders_{name}"
    return job


def configure(scheduler, app):
    """Add the periodic jobs to a scheduler, each starting at once."""
    worker_name(app)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)  # not a line per 5-second run
    jobs = {"plan": run_plan, "dispatch": run_dispatch, "recover": run_recover, "prune": run_prune}
    for name, func in jobs.items():
        scheduler.add_job(_guarded(name, func, app), "interval", seconds=INTERVALS[name], id=f"reminders-{name}",
                          name=f"reminders {name}", next_run_time=datetime.now(UTC), replace_existing=True)
    return scheduler


def blocking_scheduler(app) -> BlockingScheduler:
    """The `reminders run` scheduler."""
    return configure(BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC), app)


def start_inline(app) -> BackgroundScheduler:
    """Run the same jobs in a background thread of this (web) process: BONECARE_INLINE_WORKER=1."""
    scheduler = configure(BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC, daemon=True), app)
    scheduler.start()
    app.extensions["bonecare.scheduler"] = scheduler
    log.info("reminders worker running inline")
    return scheduler
