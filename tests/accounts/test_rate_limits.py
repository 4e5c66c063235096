"""Rate limits on signing in: per address (the real one, behind trusted proxies) and per account, shared by every
process through Redis."""

import socket
import uuid
from contextlib import ExitStack

import pytest
import requests

from bonecare import create_app
from tests import server
from tests.conftest import app_config
from tests.factories import PASSWORD
from tests.problems import assert_problem

LOGIN = "/api/v1/auth/login"
REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def limits(app):
    """Set the two login limits for one test."""
    saved = {k: app.config[k] for k in ("BONECARE_AUTH_RATE_LIMIT", "BONECARE_LOGIN_ACCOUNT_RATE_LIMIT")}

    def set_(per_address: str, per_account: str):
        app.config.update(BONECARE_AUTH_RATE_LIMIT=per_address, BONECARE_LOGIN_ACCOUNT_RATE_LIMIT=per_account)

    yield set_
    app.config.update(saved)


def _login(client, email, password, address="10.0.0.1", **headers):
    return client.post(
        LOGIN, json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, headers=headers
    )


def test_wrong_passwords_from_many_addresses_lock_only_that_account(auth, client, limits):
    patient, other = auth.as_patient(), auth.as_patient()
    limits("1000 per minute", "3 per hour")
    answers = [_login(client, patient.email.upper(), "wrong password", address=f"10.0.0.{i}") for i in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert_problem(answers[-1], 429, "rate-limited")
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert _login(client, patient.email, PASSWORD, address="10.9.9.9").status_code == 429  # even the right one
    assert _login(client, other.email, PASSWORD, address="10.0.0.1").status_code == 200  # others are untouched


def test_successful_sign_ins_do_not_count_against_the_account(auth, client, limits):
    patient = auth.as_patient()
    limits("1000 per minute", "2 per hour")
    assert [_login(client, patient.email, PASSWORD).status_code for _ in range(4)] == [200] * 4


def test_without_trusted_proxies_a_forwarded_address_cannot_escape_the_limit(client, limits):
    limits("2 per minute", "1000 per minute")
    answers = [
        _login(client, "x@example.org", "wrong password", **{"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]


def test_behind_one_trusted_proxy_each_client_address_has_its_own_bucket(database_url, _clock):
    config = {
        **app_config(database_url, _clock),
        "BONECARE_TRUSTED_PROXIES": 1,
        "BONECARE_AUTH_RATE_LIMIT": "2 per minute",
    }
    client = create_app(config).test_client()
    proxy = "10.0.0.1"  # every request arrives from the proxy; the client's own address is the one it forwards

    def attempt(client_address):
        return _login(
            client,
            "x@example.org",
            "wrong password",
            address=proxy,
            **{"X-Forwarded-For": f"203.0.113.66, {client_address}"},
        ).status_code

    assert [attempt("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert [attempt("198.51.100.2") for _ in range(2)] == [401, 401]  # a patient behind the same proxy signs in


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="needs the machine's Redis on 127.0.0.1:6379")
def test_processes_sharing_redis_count_one_limit(tmp_path, database_url):
    """Two servers (as two gunicorn hosts behind a balancer) with one Redis: the account limit holds across both."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    env = server.app_env(
        database_url,
        BONECARE_RATELIMIT_ENABLED="1",
        BONECARE_RATELIMIT_STORAGE_URI=f"redis://{REDIS[0]}:{REDIS[1]}",
        BONECARE_AUTH_RATE_LIMIT="1000 per minute",
        BONECARE_LOGIN_ACCOUNT_RATE_LIMIT="3 per hour",
    )
    server.flask(env, "db", "upgrade")
    email = f"nobody-{uuid.uuid4().hex}@example.org"  # a fresh account key, whatever Redis already holds
    with ExitStack() as stack:
        bases = []
        for name in ("a", "b"):
            port = server.free_port()
            stack.enter_context(server.gunicorn("app:app", port, env, tmp_path / f"{name}.log", workers=1))
            bases.append(f"http://127.0.0.1:{port}")
        statuses = [
            requests.post(
                bases[i % 2] + LOGIN, json={"email": email, "password": "wrong password"}, timeout=10
            ).status_code
            for i in range(6)
        ]
    assert statuses == [401, 401, 401, 429, 429, 429]
