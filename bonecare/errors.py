"""The DomainError tree and every RFC 9457 problem+json handler."""

import logging
import sqlite3
import traceback
from datetime import UTC, datetime

import marshmallow as ma
from flask import Flask, json
from flask_limiter.errors import RateLimitExceeded
from limits.errors import StorageError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://bonecare.dev/problems/"
PROBLEM_MIMETYPE = "application/problem+json"
# What a 503 asks a client to wait: a failover or a restart of the database takes a few seconds.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A rule violation a service raises; it carries its status, type and title."""

    status = 400
    type = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        # Members a problem type adds to the usual ones (RFC 9457 extension members).
        self.extra: dict = {}


class BadRequest(DomainError):
    """The request cannot be read (a body that is not acceptable JSON)."""

    status, type, title = 400, "bad-request", "Bad request"


class NotFound(DomainError):
    """The record does not exist, or the caller may not see it."""

    status, type, title = 404, "not-found", "Not found"


class Forbidden(DomainError):
    """The caller may see the record but its role may not take this action."""

    status, type, title = 403, "forbidden", "Forbidden"


class AccountDeactivated(Forbidden):
    """The right password for an account that has been deactivated (`users deactivate`)."""

    type, title = "account-deactivated", "Account deactivated"


class PasswordWrong(Forbidden):
    """An action that asks the signed-in user to confirm her password (deleting her account) got a wrong one: her
    token is fine, so this is no 401 (a client would sign her out)."""

    type, title = "password-wrong", "Wrong password"


class Unauthorized(DomainError):
    """Missing, invalid, expired or revoked credentials."""

    status, type, title = 401, "unauthorized", "Unauthorized"


class _TokenProblem(Unauthorized):
    """A bearer token problem, with its RFC 6750 challenge."""

    challenge = 'Bearer error="invalid_token"'

    def __init__(self, detail: str):
        super().__init__(detail, headers={"WWW-Authenticate": self.challenge})


class TokenMissing(_TokenProblem):
    """No bearer token came with a request that needs one."""

    type, challenge = "token-missing", "Bearer"


class TokenInvalid(_TokenProblem):
    """The token is malformed, forged, of the wrong kind, or names no account."""

    type = "token-invalid"


class TokenExpired(_TokenProblem):
    """The access token has expired: the one 401 a client answers by refreshing."""

    type = "token-expired"


class SessionRevoked(_TokenProblem):
    """The login behind the token was signed out, revoked or has lapsed: the client must sign in again."""

    type = "session-revoked"


class Conflict(DomainError):
    """The request conflicts with what is stored."""

    status, type, title = 409, "conflict", "Conflict"


class Deleted(Conflict):
    """A create reuses the id of a record that was deleted: it stays deleted (a 200 would look like success)."""

    type, title = "deleted", "Deleted"


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer the record's: the body gives the record as it is now, as
    `current` (the route's schema dumps it: web.versions)."""

    status, type, title = 412, "precondition-failed", "Precondition failed"

    def __init__(self, record):
        super().__init__("The record has changed since that version; `current` is the record as it is now.")
        self.record = record


class SyncExpired(DomainError):
    """A changes feed `since` from before the oldest tombstone kept: deletions may have been missed."""

    status, type, title = 410, "sync-expired", "Sync expired"


class Invalid(DomainError):
    """The request is well-formed but breaks a rule (422)."""

    status, type, title = 422, "validation-error", "Validation failed"

    def __init__(self, detail: str, field: str | None = None, errors: dict | None = None):
        super().__init__(detail, errors=errors or ({field: [detail]} if field else None))


class ClockSkew(Invalid):
    """A logged instant is too far ahead of the server's clock: the body gives server_time, so a phone can correct
    its own."""

    type, title = "clock-skew", "Clock skew"

    def __init__(self, detail: str, field: str, server_time: datetime):
        super().__init__(detail, field)
        self.extra = {"server_time": server_time.astimezone(UTC).isoformat().replace("+00:00", "Z")}


class UnsupportedMediaType(DomainError):
    """The request body is not JSON."""

    status, type, title = 415, "unsupported-media-type", "Unsupported media type"


class NotAcceptable(DomainError):
    """The Accept header names no media type the resource can be given in."""

    status, type, title = 406, "not-acceptable", "Not acceptable"


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))
    server_time = ma.fields.String(metadata={"description": "the server's clock, on a clock-skew problem"})
    current = ma.fields.Raw(
        allow_none=True,
        metadata={"description": "an object, the record as it is now, on a precondition-failed problem (null: none)"},
    )


def problem(status: int, type_: str, title: str, detail: str, errors: dict | None = None, headers=None, extra=None):
    """A problem+json response tuple; extra holds the members a problem type adds."""
    body = {"type": PROBLEM_TYPE_BASE + type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    response = Flask.response_class(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten(messages, prefix="") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field.path": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # marshmallow files errors about a whole nested object under "_schema": name the object.
            path = prefix if key == "_schema" and prefix else f"{prefix}.{key}" if prefix else str(key)
            for sub, msgs in _flatten(value, path).items():
                out.setdefault(sub, []).extend(msgs)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
}


def validation_detail(errors: dict[str, list[str]]) -> str:
    """A 422's detail: every field's messages, in one line."""
    return "The request did not validate: " + "; ".join(f"{f}: {' '.join(msgs)}" for f, msgs in sorted(errors.items()))


def http_exception_problem(error: HTTPException):
    """Any werkzeug/webargs HTTPException as problem+json."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    errors = None
    detail = error.description or error.name
    if "messages" in data:
        # webargs: {"json": {...}} or {"query": {...}}; the location prefix adds nothing.
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        if status == 400:  # webargs answers a body it cannot parse with a 400
            detail = "The request body is not valid JSON."
        else:
            errors = _flatten(messages)
            detail = validation_detail(errors)
    if status >= 500:
        status, detail = 500, "An unexpected error occurred."
    title = error.name if status < 500 else "Internal server error"
    return problem(status, _SLUGS.get(status, "error"), title, detail, errors, headers)


def log_withheld(logger: logging.Logger, message: str, err: BaseException) -> None:
    """Log an unexpected error with its traceback and SQL but without its messages, which may quote what a patient
    sent (a database error carries the statement's values, a ValueError the text it could not read)."""
    lines = [message]
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        lines.append("".join(traceback.format_tb(err.__traceback__)).rstrip())
        lines.append(f"{type(err).__module__}.{type(err).__qualname__}: (message withheld)")
        if isinstance(err, sa_exc.StatementError) and err.statement:
            lines.append(f"SQL: {err.statement}")
        err = err.__cause__ or (None if err.__suppress_context__ else err.__context__)
    logger.error("\n".join(lines))


def unavailable(error: BaseException) -> bool:
    """Whether an error means a store is unreachable for now (connection refused, dropped or timed out, pool
    exhausted, SQLite busy), so that trying again later may succeed, rather than a bug."""
    if isinstance(error, sa_exc.DBAPIError):
        code = getattr(error.orig, "sqlite_errorcode", None)
        if code is not None:  # SQLite files every error as "operational": only a busy or locked file is an outage
            return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        return error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    return isinstance(error, sa_exc.TimeoutError | StorageError)


def register(app: Flask) -> None:
    """Install the problem+json handlers on the app."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return problem(err.status, err.type, err.title, err.detail, err.errors, err.headers, err.extra)

    @app.errorhandler(RateLimitExceeded)
    def _rate(err: RateLimitExceeded):
        retry_after = getattr(err, "retry_after", None)
        headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
        detail = f"Rate limit exceeded ({err.description}); retry later."
        return problem(429, "rate-limited", "Too many requests", detail, headers=headers)

    @app.errorhandler(sa_exc.SQLAlchemyError)
    @app.errorhandler(StorageError)
    def _store(err: Exception):
        if not unavailable(err):
            return _unexpected(err)
        store = "rate-limit storage" if isinstance(err, StorageError) else "database"
        # The class name only: the message would carry the SQL and its parameters.
        log.warning("%s unavailable: %s", store, type(getattr(err, "orig", None) or err).__name__)
        detail = f"The service cannot reach its {store} right now; retry in a few seconds."
        return problem(
            503, "service-unavailable", "Service unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        return http_exception_problem(err)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log_withheld(log, "unhandled error", err)
        return http_exception_problem(InternalServerError())
