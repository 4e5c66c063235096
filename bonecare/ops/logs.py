"""JSON log lines: one object a line, with the request id of the request being served, and only named fields."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from gunicorn.glogging import Logger

# The id of the request this thread serves (a batch's sub-requests share it); None outside a request.
REQUEST_ID: ContextVar[str | None] = ContextVar("bonecare_request_id", default=None)
# The only extra fields a line carries (the access line's); anything else passed as `extra` is never written.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request_id, the access fields, a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's one line."""
        moment = datetime.fromtimestamp(record.created, UTC)
        line = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        line.update({name: getattr(record, name) for name in ACCESS_FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def configure(level: int = logging.INFO) -> None:
    """JSON lines on stderr for every logger, unless logging is set up already (by a test runner, say)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler])


class GunicornLogger(Logger):
    """gunicorn's logger (gunicorn.conf.py names it) writing JSON lines too, and no access line: the app writes its
    own, which names the route's template, never the path and query a client sent."""

    def setup(self, cfg):
        """gunicorn's handlers, each given the JSON formatter."""
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        """Nothing: the app's access line (bonecare/ops/access.py) stands for it."""

    def exception(self, msg, *args, **kwargs):
        """gunicorn's own errors name the request's URI: its query string (values a client sent) is cut off."""
        args = tuple(arg.partition("?")[0] if isinstance(arg, str) else arg for arg in args)
        super().exception(msg, *args, **kwargs)
