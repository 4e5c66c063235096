"""bonecare: the backend that helps women taking exemestane protect their bones."""

import os
from pathlib import Path

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from bonecare import config as settings
from bonecare import errors
from bonecare.clock import SystemClock
from bonecare.extensions import api, db, jwt, limiter, migrate
from bonecare.ops import access, health, logs, metrics
from bonecare.web import batch, docs, openapi, transport

_JSON_BODY_METHODS = {"POST", "PUT", "PATCH"}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers and CLI commands."""
    app = Flask(__name__, instance_path=str(settings.INSTANCE_DIR))
    app.config.update(settings.STATIC)
    app.config.update(settings.from_env())
    app.config.update(config or {})
    app.extensions["bonecare.clock"] = app.config.pop("CLOCK", None) or SystemClock()
    _fail_fast(app.config)
    if hops := app.config["BONECARE_TRUSTED_PROXIES"]:
        # The client's address (for rate limits) is the one the nearest trusted proxy saw, never one a client wrote.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logs.configure()

    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(settings.INSTANCE_DIR.parent / "migrations"), render_as_batch=True, compare_type=True
    )
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app, spec_kwargs=_spec_kwargs(app.config))
    errors.register(app)

    from bonecare.accounts import auth

    auth.init_app(app)
    app.before_request(_require_json_body)
    transport.init_app(app)
    access.init_app(app)  # after transport: the request id is the first thing a request gets, the access line the last
    metrics.init_app(app)
    app.register_blueprint(docs.bp)
    from bonecare.clinic import routes as clinic

    clinic.init_app(app)  # the clinicians' pages: a Flask blueprint of HTML, kept out of the API and its spec
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
    for group in _commands():
        app.cli.add_command(group)
    if app.config.get("BONECARE_INLINE_WORKER"):
        from bonecare.reminders import worker

        worker.start_inline(app)
    return app


def _blueprints() -> list:
    """The API, part by part: the app's table of contents (importing a part's routes imports its models)."""
    from bonecare.accounts import routes as accounts
    from bonecare.adherence import routes as adherence
    from bonecare.assessment import routes as assessment
    from bonecare.audit import routes as audit
    from bonecare.careplan import routes as careplan
    from bonecare.changes import routes as changes
    from bonecare.clinician import routes as clinician
    from bonecare.deletion import routes as deletion
    from bonecare.dxa import routes as dxa
    from bonecare.education import routes as education
    from bonecare.exercise import routes as exercise
    from bonecare.export import routes as export
    from bonecare.habits import routes as habits
    from bonecare.intake import routes as intake
    from bonecare.patients import routes as patients
    from bonecare.reminders import routes as reminders
    from bonecare.report import routes as report
    from bonecare.treatments import routes as treatments

    parts = (
        accounts,
        patients,
        deletion,
        intake,
        exercise,
        habits,
        careplan,
        dxa,
        treatments,
        adherence,
        assessment,
        report,
        audit,
        clinician,
        reminders,
        changes,
        export,
        education,
    )
    return [health.bp, *(part.bp for part in parts), batch.bp]


def _commands() -> list:
    """The command groups of `flask --app app …`: users, reminders, the panel and the demo clinic."""
    from bonecare.accounts.cli import cli as users
    from bonecare.clinician.cli import cli as panel
    from bonecare.demo.cli import cli as demo
    from bonecare.reminders.cli import cli as reminders

    return [users, reminders, panel, demo]


def _fail_fast(config) -> None:
    """Outages answer at once and heal by themselves: a pooled connection to a database server is pinged before
    each use (a failover or restart kills them all), a connection attempt gives up after a few seconds, and the
    rate limiter does what BONECARE_RATELIMIT_FAIL says when its storage is unreachable."""
    # A copy per app: the defaults' dict is shared by every app this process makes (SQLite and PostgreSQL ones).
    engine = config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # A SQLite file has no server to restart or fail over: its ping was a quarter of a GET today's time.
    engine.setdefault("pool_pre_ping", not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"))
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine.setdefault("connect_args", {}).setdefault("connect_timeout", config["BONECARE_DB_CONNECT_TIMEOUT"])
    mode = config["BONECARE_RATELIMIT_FAIL"]
    if mode not in ("open", "closed"):
        raise ValueError(f"BONECARE_RATELIMIT_FAIL must be open or closed, not {mode!r}")
    # open: each process keeps counting in its own memory (with a warning) and goes back to the storage when
    # it answers again; closed: rate-limited endpoints answer 503 (errors.py) until it does.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", mode == "open")
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", mode == "open")
    options = config["RATELIMIT_STORAGE_OPTIONS"] = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    options.setdefault("wrap_exceptions", True)
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss", "valkey")):
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)


def _spec_kwargs(config) -> dict:
    """The spec's own parts: our schema converter, the server clients call, the bearer schemes."""
    return {
        "marshmallow_plugin": openapi.plugin(),
        "servers": [{"url": config.get("BONECARE_PUBLIC_URL") or "/"}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "refreshToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT refresh token"},
            }
        },
        "security": [{"bearerAuth": []}],
    }


def _require_json_body():
    """A request body that is not JSON is a 415, whatever the endpoint."""
    if request.method in _JSON_BODY_METHODS and request.path.startswith("/api/v1/"):
        has_body = request.content_length or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json:
            raise errors.UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
    return None


def _private_sqlite_file(url: str) -> None:
    """A SQLite database file is made 0600 before SQLite opens it; SQLite gives its -wal and -shm files its mode."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):  # files an older version left readable
        if file.exists():
            file.chmod(0o600)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: WAL for concurrent readers, foreign keys on, wait instead of failing on a lock."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives any crash of the app; only a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
