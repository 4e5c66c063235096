"""The rate limiter's Redis going away under a live app: the API keeps serving; `BONECARE_RATELIMIT_FAIL=open`
(the default) counts in each process's memory meanwhile, `closed` answers the limited endpoints 503; both go
back to Redis by themselves."""

import shutil
import time

import pytest
import redis

from tests.faults.live import API, RedisServer, assert_served, unavailable, wait_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

LIMIT = 4  # logins a minute from one address


@pytest.fixture
def limited(pg, serve, tmp_path):
    """serve_limited(mode): the app (one gunicorn worker) with its rate limits in a private Redis; yields
    (redis server, client signed in as a patient, login body, gunicorn log)."""
    cluster, database = pg
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")

    def run(mode: str):
        store = RedisServer(tmp_path).start()
        env = {
            "BONECARE_RATELIMIT_ENABLED": "1",
            "BONECARE_RATELIMIT_STORAGE_URI": store.url,
            "BONECARE_RATELIMIT_FAIL": mode,
            "BONECARE_AUTH_RATE_LIMIT": f"{LIMIT} per minute",
        }
        return store, serve(cluster.url(database), workers=1, threads=4, **env)

    return run


def login(client, body):
    return client.call("POST", f"{API}/auth/login", body)


def test_fail_open_keeps_serving_and_limiting_in_memory_then_returns_to_redis(limited, tmp_path):
    store, served = limited("open")
    with served as (_, client):
        client.sign_up()
        body = client.credentials
        assert login(client, body).status == 200
        assert redis.Redis(port=store.port).dbsize() > 0  # the limits live in Redis

        store.stop()
        answers = [login(client, body) for _ in range(LIMIT + 1)]
        assert [a.status for a in answers[:2]] == [200, 200]
        assert answers[-1].status == 429  # still limited, per process, while Redis is away
        assert client.write().status == 201 and client.call("GET", "/healthz").status == 200

        store = RedisServer(tmp_path, port=store.port).start()
        back = time.monotonic()

        def in_redis():
            login(client, body)
            return redis.Redis(port=store.port).dbsize() > 0

        wait_for(in_redis, 60, "the limits being kept in Redis again")
        print(f"rate limits back in Redis {time.monotonic() - back:.1f} s after it returned")
        assert_served(client.answers, {200, 201, 429})
    store.stop()
    assert "falling back to in-memory storage" in (tmp_path / "gunicorn.log").read_text()


def test_fail_closed_answers_the_limited_endpoints_503_and_the_rest_serves(limited, tmp_path):
    store, served = limited("closed")
    with served as (_, client):
        client.sign_up()
        body = client.credentials
        assert login(client, body).status == 200

        store.stop()
        refused = login(client, body)
        assert (refused.status, refused.type, refused.retry_after) == (503, "service-unavailable", "5")
        assert client.write().status == 201 and client.call("GET", "/healthz").status == 200

        store = RedisServer(tmp_path, port=store.port).start()
        assert login(client, body).status == 200  # every request asks Redis: back at once
        assert_served(client.answers, {200, 201, 503})
        assert [a.status for a in client.answers].count(503) == 1
    store.stop()
