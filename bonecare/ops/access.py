"""Every request's id, its access line and its metrics: `X-Request-Id` honoured when sane, else made, and sent back."""

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from bonecare.ops import metrics
from bonecare.ops.logs import REQUEST_ID

HEADER = "X-Request-Id"
# A client's id is kept when it is 1 to 128 letters, digits, '.', '_' or '-': nothing to forge a log line with.
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED = "<unmatched>"  # the route of a request no rule matched (404, 405): never its path

log = logging.getLogger("bonecare.access")


def request_id(sent: str | None) -> str:
    """The client's id if it is sane, else a fresh one."""
    return sent if sent and SANE_ID.fullmatch(sent) else uuid.uuid4().hex


def _begin() -> None:
    """Start the request's clock and name it; a batch's sub-request keeps the batch's id."""
    g.bonecare_started = time.perf_counter()
    if REQUEST_ID.get() is None:
        g.bonecare_request_id_token = REQUEST_ID.set(request_id(request.headers.get(HEADER)))


def _finish(response: Response) -> Response:
    """Send the id back, write the access line and count the request by its route's template."""
    response.headers[HEADER] = REQUEST_ID.get() or ""
    seconds = time.perf_counter() - g.get("bonecare_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule else UNMATCHED
    method = request.method
    metrics.observe_request(method, route, response.status_code, seconds)
    fields = {"method": method, "route": route, "status": response.status_code, "duration_ms": round(seconds * 1e3, 2)}
    log.info("%s %s %s", method, route, response.status_code, extra=fields)
    return response


def _forget(_error) -> None:
    """The request is over: its id leaves the thread's context."""
    if token := g.pop("bonecare_request_id_token", None):
        REQUEST_ID.reset(token)


def init_app(app: Flask) -> None:
    """Name and time every request before any other hook, and log it after every other."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)  # after_request runs last-registered first
    app.teardown_request(_forget)
