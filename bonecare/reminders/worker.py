"""The reminders worker: APScheduler ticks the periodic jobs (plan, dispatch, recover, mail: the password-reset
e-mails, and the daily pass that prunes and erases the accounts whose deletion is due); the database holds the
truth, so any number of workers is safe."""

import atexit
import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from bonecare.accounts import erasure, resets
from bonecare.accounts.mail import mailer_for
from bonecare.changes import service as changes
from bonecare.clinician import status as panel
from bonecare.clock import FixedClock
from bonecare.errors import log_withheld, unavailable
from bonecare.extensions import db
from bonecare.reminders import queue
from bonecare.reminders.dispatch import dispatch
from bonecare.reminders.planner import plan
from bonecare.reminders.push import backend_for

log = logging.getLogger(__name__)

# Seconds between runs of each periodic job.
# prune: the daily pass (run_daily)
INTERVALS = {"plan": 300, "dispatch": 5, "recover": 60, "prune": 86_400, "mail": 5, "panel": 60}
# Explicit, not APScheduler's defaults (whose 1-second misfire grace silently drops runs).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
# After a failed run a job sits out 5 s, then 10 s, 20 s… at most a minute (±20 %, so workers spread out).
BACKOFF_FIRST, BACKOFF_MAX = 5, 60


def worker_id() -> str:
    """A name for this worker process, recorded on its claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def worker_name(app) -> str:
    """This app's worker name, made on first use: the one place that sets it."""
    return app.extensions.setdefault("bonecare.worker", worker_id())


def stopping(app) -> threading.Event:
    """Set when this process is shutting down: a batch in flight sends nothing more and hands the rest back."""
    return app.extensions.setdefault("bonecare.stopping", threading.Event())


def _clock(app, now: datetime | None):
    """A fixed clock at `now`, else the app's own."""
    return FixedClock(now) if now else app.extensions["bonecare.clock"]


def run_plan(app, now: datetime | None = None) -> dict:
    """Plan the rules that need it: one transaction, by one worker at a time (another's pass is skipped, {}: the
    two would read and reconcile the same rules)."""
    with app.app_context():
        counts = plan(db.session, _clock(app, now).now()) if _turn(db.session, PLAN_LOCK) else {}
        db.session.commit()
        return counts


def run_dispatch(app, now: datetime | None = None, worker: str | None = None) -> Counter:
    """Send everything due (at a fixed `now`, or the app's clock read before each batch); each batch commits
    its outcomes once (dispatch._store)."""
    with app.app_context():
        return dispatch(
            db.session,
            backend_for(app),
            _clock(app, now).now,
            worker or worker_name(app),
            stop=stopping(app),
            lease=timedelta(seconds=app.config["BONECARE_REMINDER_LEASE_SECONDS"]),
        )


def run_recover(app, now: datetime | None = None) -> int:
    """Return expired leases to pending: one transaction."""
    with app.app_context():
        recovered = queue.recover(db.session, _clock(app, now).now())
        db.session.commit()
        return recovered


def run_prune(app, now: datetime | None = None) -> int:
    """Forget finished occurrences past the kept history, and tombstones past BONECARE_TOMBSTONE_DAYS: one
    transaction."""
    with app.app_context():
        moment = _clock(app, now).now()
        pruned = queue.prune(db.session, moment)
        pruned += changes.prune(db.session, moment, app.config["BONECARE_TOMBSTONE_DAYS"])
        db.session.commit()
        return pruned


def run_mail(app, now: datetime | None = None) -> int:
    """Send the password-reset e-mails asked for (a request only queues one, so that it answers known and unknown
    addresses alike); answers how many went."""
    with app.app_context():
        mailer = mailer_for(app.config)
        return resets.send_reset_mails(db.session, mailer, _clock(app, now).now(), app.config["BONECARE_PUBLIC_URL"])


def run_erase(app, now: datetime | None = None) -> int:
    """Erase for good every account past its deletion's `erase_after`: a transaction each, safe on any number of
    workers (accounts.erasure)."""
    with app.app_context():
        return erasure.erase_due(db.session, _clock(app, now).now())


def run_panel(app, now: datetime | None = None) -> int:
    """Recompute the panel rows gone out of date (a record changed, a local midnight passed), a batch a
    transaction, so that panels rarely have to; returns how many."""
    done = 0
    with app.app_context():
        now = _clock(app, now).now()
        while (
            not stopping(app).is_set()
            and _turn(db.session, PANEL_LOCK)
            and (count := panel.refresh(db.session, now, batch=panel.CHUNK))
        ):
            db.session.commit()
            done += count
        db.session.commit()  # ends the transaction, and with it the turn
    return done


# The advisory locks of the plan and panel jobs, numbers of our own (pg_try_advisory_xact_lock takes 64 bits).
PANEL_LOCK = 0x626F6E6563617265  # "bonecare"
PLAN_LOCK = PANEL_LOCK + 1


def _turn(session, lock: int) -> bool:
    """Whether this worker runs a job's work in this transaction: on PostgreSQL one worker at a time (an advisory
    lock held until the transaction ends), so that two workers never do the same work twice; SQLite writes one
    transaction at a time anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(lock))))


def run_daily(app, now: datetime | None = None) -> dict:
    """The daily pass: prune, then erase the accounts whose deletion's grace is over."""
    return {"pruned": run_prune(app, now), "erased": run_erase(app, now)}


def tick(app, now: datetime | None = None) -> dict:
    """One pass of every job at `now` (default: the app's clock): what `reminders tick` prints."""
    now = _clock(app, now).now()
    planned = run_plan(app, now)
    recovered = run_recover(app, now)
    counts = run_dispatch(app, now)
    daily = run_daily(app, now)
    mailed = run_mail(app, now)
    refreshed = run_panel(app, now)
    summary = {key: counts.get(key, 0) for key in ("sent", "skipped", "failed", "expired", "retrying", "late")}
    return {
        "now": now.isoformat().replace("+00:00", "Z"),
        **summary,
        "claimed": counts.get("claimed", 0),
        "recovered": recovered,
        **daily,
        "mailed": mailed,
        "panel_refreshed": refreshed,
        "planned": planned,
    }


def _guarded(name, func, app):
    """The job, never raising: a failed run is logged and the job backs off, then resumes by itself."""
    failures, resume_at = 0, 0.0

    def job():
        nonlocal failures, resume_at
        if time.monotonic() < resume_at:
            return
        try:
            func(app)
        except Exception as exc:  # a failed run must not stop the scheduler; a later run tries again
            failures += 1
            wait = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX) * random.uniform(0.8, 1.2)
            resume_at = time.monotonic() + wait
            if unavailable(exc):  # an outage: one line, no traceback (its message would carry SQL parameters)
                log.warning(
                    "reminders job %s: database unavailable (%s); run %d failed, next try in %.0f s",
                    name,
                    type(getattr(exc, "orig", None) or exc).__name__,
                    failures,
                    wait,
                )
            else:
                log_withheld(log, f"reminders job {name} failed; next try in {wait:.0f} s", exc)
            return
        if failures:
            log.info("reminders job %s resumed after %d failed runs", name, failures)
        failures, resume_at = 0, 0.0

    job.__name__ = f"reminders_{name}"
    return job


def configure(scheduler, app):
    """Add the periodic jobs to a scheduler, each starting at once."""
    worker_name(app)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)  # not a line per 5-second run
    jobs = {
        "plan": run_plan,
        "dispatch": run_dispatch,
        "recover": run_recover,
        "prune": run_daily,
        "mail": run_mail,
        "panel": run_panel,
    }
    for name, job in jobs.items():
        scheduler.add_job(
            _guarded(name, job, app),
            "interval",
            seconds=INTERVALS[name],
            id=f"reminders-{name}",
            name=f"reminders {name}",
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )
    return scheduler


def scheduler_for(app) -> BackgroundScheduler:
    """The worker's scheduler, not yet started: its jobs run on threads of this process."""
    return configure(BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC, daemon=True), app)


def start(app) -> BackgroundScheduler:
    """Start the jobs; at exit (a web server's graceful stop, say) the worker stops as `stop` does. A push or mail
    setting missing or wrong raises here, before any job runs."""
    backend_for(app)
    mailer_for(app.config)
    scheduler = app.extensions["bonecare.scheduler"] = scheduler_for(app)
    scheduler.start()
    atexit.register(stop, app)
    return scheduler


def stop(app) -> None:
    """Stop gracefully: a batch in flight finishes the sends it began, records them and hands its other claims
    back to pending at once (not after the lease); then the jobs stop."""
    stopping(app).set()
    scheduler = app.extensions.pop("bonecare.scheduler", None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)
        log.info("reminders worker %s stopped", worker_name(app))


def start_inline(app) -> BackgroundScheduler:
    """Run the same jobs in a background thread of this (web) process: BONECARE_INLINE_WORKER=1."""
    scheduler = start(app)
    _stop_on_signals(app)
    log.info("reminders worker running inline")
    return scheduler


def _stop_on_signals(app) -> None:
    """Raise the stop flag the moment the web process is told to stop, then let the server's own handler act.
    The exit hook alone comes too late: the interpreter first waits for the batch's threads to finish it."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)

        def handler(number, frame, previous=previous):
            stopping(app).set()
            if callable(previous):
                previous(number, frame)
            elif previous == signal.SIG_DFL:  # no server handler: die as the signal would have us
                signal.signal(number, signal.SIG_DFL)
                os.kill(os.getpid(), number)

        signal.signal(signum, handler)
