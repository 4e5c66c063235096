"""gunicorn settings the app relies on; `gunicorn` reads this file from the working directory (the repo root)."""

from bonecare.ops import metrics
from bonecare.web.transport import DRAIN_LIMIT

# Every line JSON, and no access line of gunicorn's: the app writes one per request (bonecare/ops/access.py).
logger_class = "bonecare.ops.logs.GunicornLogger"


def on_starting(server):
    """Before any worker: PROMETHEUS_MULTIPROC_DIR (when set) exists and holds no file of a process gone."""
    metrics.prepare_dir()


def child_exit(server, worker):
    """A worker died or was replaced: its live gauges leave the sums (its counters stay)."""
    metrics.process_dead(worker.pid)


def pre_request(worker, req):
    """A declared body too long to drain: the 413 says `Connection: close`, since gunicorn will close after it."""
    length = next((value for name, value in req.headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > DRAIN_LIMIT:
        req.must_close = True


# gunicorn answers a longer request line itself, with a 414 in HTML, before the app can say what is wrong: allow
# its maximum (as nginx's 8 KiB header buffers do), so that a long query reaches the app and gets its problem.
limit_request_line = 8190
