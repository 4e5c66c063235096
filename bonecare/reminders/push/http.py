"""What the HTTP back-ends share: a pooled, guarded session per thread (the one way out, egress.py), overlapped
sends, and a push service's answer read as an outcome."""

import email.utils
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests

from bonecare.reminders.egress import GuardedSession, Refused, Resolve
from bonecare.reminders.push.base import OK, Backend, Message, Outcome

TIMEOUT_SECONDS = 10
# Sends in flight at once for a network back-end.
SEND_CONCURRENCY = 16


def retry_after_of(response) -> timedelta | None:
    """A response's Retry-After (seconds or an HTTP date) as a delay."""
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - datetime.now(UTC), timedelta(0))


def classify_status(status: int, response, dead_statuses=(404, 410)) -> Outcome:
    """A push service's HTTP status as an outcome."""
    if status < 300:
        return OK
    if status in dead_statuses:
        return Outcome("dead", f"push service answered {status}")
    if status == 429 or status >= 500 or status == 408:
        return Outcome("retry", f"push service answered {status}", retry_after_of(response))
    return Outcome("error", f"push service answered {status}")


class Overlapped(Backend):
    """A back-end whose sends overlap on a lasting pool of threads."""

    _pool: ThreadPoolExecutor | None = None

    def map(self, func, items: list) -> list:
        """Overlap the sends on a lasting pool of threads, each with its own keep-alive connection."""
        if len(items) < 2:
            return [func(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=SEND_CONCURRENCY, thread_name_prefix=f"push-{self.name}")
        return list(self._pool.map(func, items))


class HttpBackend(Overlapped):
    """Shared by the HTTP back-ends: a pooled, guarded session per thread (resolve is the seam for DNS) and
    network errors as retries."""

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        self.config = config
        self.allowed_hosts = config.get("BONECARE_PUSH_ALLOWED_HOSTS") or []
        self.resolve = resolve
        self.timeout = TIMEOUT_SECONDS
        self._local = threading.local()

    def setting(self, key: str, what: str) -> str:
        """A setting this back-end cannot work without; its absence stops the worker at start, saying which."""
        value = self.config.get(key)
        if not value:
            raise RuntimeError(f"BONECARE_PUSH_BACKEND={self.name} needs {key} ({what})")
        return value

    @property
    def http(self) -> requests.Session:
        """This thread's pooled HTTP session."""
        if not hasattr(self._local, "session"):
            self._local.session = GuardedSession(self.allowed_hosts, self.resolve)
        return self._local.session

    def send(self, device, message: Message) -> Outcome:
        """Send, turning a refused address into a final error and network failures into retries."""
        try:
            return self._send(device, message)
        except Refused as exc:
            return Outcome("error", f"endpoint refused: {exc}")
        except requests.RequestException as exc:
            return Outcome("retry", f"network error: {type(exc).__name__}")
        except Exception as exc:  # noqa: BLE001 - one device's surprise must not strand the batch's other sends
            # An escaping exception would leave the whole batch claimed, already-delivered pushes included, and the
            # lease's recovery would send them again: record this one as failed instead.
            return Outcome("error", f"unexpected: {type(exc).__name__}")

    def _send(self, device, message: Message) -> Outcome:
        raise NotImplementedError
