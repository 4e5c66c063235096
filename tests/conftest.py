"""Fixtures: one migrated database per run (SQLite file, or PostgreSQL via BONECARE_TEST_DATABASE_URL),
emptied between tests; an app with a movable clock; clients signed in as each role."""

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bonecare import create_app
from bonecare.accounts import resets
from bonecare.accounts.models import User
from bonecare.clock import now
from bonecare.extensions import db, limiter
from tests import world as w
from tests.factories import Actors

PG_URL = os.environ.get("BONECARE_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"

# The suite leaves the work tree clean: left unset, these two would make instance/ (a secret key file, the default
# SQLite file's folder) whenever a test builds an app, even one given its own database and key.
os.environ.setdefault("BONECARE_SECRET_KEY", TEST_SECRET)
os.environ.setdefault("DATABASE_URL", "sqlite://")


class MovableClock:
    """The real clock until a test sets it."""

    def __init__(self):
        self.at = None

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)

    def set(self, iso: str | datetime) -> None:
        self.at = datetime.fromisoformat(iso) if isinstance(iso, str) else iso


def _database_url(tmp_path_factory) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    try:
        create_engine(PG_URL).connect().close()
    except OperationalError as exc:
        if os.environ.get("BONECARE_REQUIRE_TEST_DATABASE"):
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return PG_URL


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _clock():
    return MovableClock()


def app_config(database_url: str, clock) -> dict:
    """The settings every test app shares: cheap hashing, generous rate limits, loopback push services."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CLOCK": clock,
        "BONECARE_ARGON2_TIME_COST": 1,
        "BONECARE_ARGON2_MEMORY_KIB": 8192,
        "BONECARE_AUTH_RATE_LIMIT": "1000 per minute",
        "BONECARE_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "BONECARE_RESET_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "BONECARE_PUSH_ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
    }


@pytest.fixture(scope="session")
def app(database_url, _clock):
    app = create_app(app_config(database_url, _clock))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app


@pytest.fixture
def clock(_clock):
    """Tests set the time with clock.set("2026-03-08T12:00:00Z"); it goes back to real time afterwards."""
    yield _clock
    _clock.at = None


@pytest.fixture(autouse=True)
def _clean(request, app, _clock):
    """Every test starts with empty tables, fresh rate limits and the real clock."""
    with app.app_context():
        # DELETE, children first: on tables this small it is several times faster than TRUNCATE.
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        limiter.reset()
    _clock.at = None
    yield


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def session(ctx):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app, client):
    """auth.as_patient(), auth.as_clinician(), … signed-in API clients."""
    return Actors(app, client)


@pytest.fixture
def spec(client):
    """The OpenAPI document the app serves."""
    return client.get("/api/openapi.json").json


@pytest.fixture
def world(app, client, auth, spec):
    """The authorization matrix's world (tests/world.py): a patient with one record of every kind, her clinician,
    another patient and another clinician, built through the API."""

    def call(method, path, token, body):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.open(path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json(silent=True)

    def reset_token(user_id):
        with app.app_context():
            token = resets.issue_reset(db.session, db.session.get(User, w.uuid.UUID(user_id)), now())[1]
            db.session.commit()
            return token

    world = w.build(call, auth.make_clinician, spec_paths=set(spec["paths"]))
    world.reset_token = lambda: reset_token(world.patient.id)  # what the patient's reset e-mail would hold
    return world
