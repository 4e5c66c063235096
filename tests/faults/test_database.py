"""PostgreSQL failing under a live app (gunicorn): a failover kills every pooled connection; an outage refuses
or never answers connections. Patients see no 500 and no hang, and every acknowledged write is kept."""

import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.live import API, assert_served, stored_intake

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def test_a_failover_that_kills_every_pooled_connection_costs_no_request(pg, serve):
    cluster, database = pg
    with serve(cluster.url(database)) as (_, client):
        client.sign_up()
        with ThreadPoolExecutor(8) as pool:  # several connections in each worker's pool
            assert {a.status for a in pool.map(lambda _: client.write(), range(32))} == {201}
        assert cluster.terminate_backends(database) >= 2

        after = [client.write() for _ in range(16)]  # each dead connection is found by its ping and replaced
        assert [a.status for a in after] == [201] * 16

        # Backends killed again and again while eight phones write: a request whose connection dies under it
        # is a 503 with Retry-After, never a 500, and the phone's retry of the same id stores it once.
        ids = [str(uuid.uuid4()) for _ in range(160)]
        done = threading.Event()

        def kill():
            while not done.is_set():
                cluster.terminate_backends(database)
                time.sleep(0.05)

        killer = threading.Thread(target=kill)
        killer.start()
        try:
            with ThreadPoolExecutor(8) as pool:
                final = list(pool.map(client.write_until_stored, ids))
        finally:
            done.set()
            killer.join()
        assert_served(client.answers, {200, 201, 503})
        assert {a.status for a in final} <= {200, 201}
        assert stored_intake(cluster.url(database), client.acknowledged()) == client.acknowledged() >= set(ids)


def test_an_outage_answers_503_at_once_and_heals_without_a_restart(pg, serve):
    cluster, database = pg
    with serve(cluster.url(database)) as (_, client):
        client.sign_up()
        assert client.write().status == 201
        cluster.stop()

        refused = [client.write(), client.call("GET", f"{API}/patients/me/intake"), client.call("GET", "/readyz")]
        assert [a.status for a in refused] == [503, 503, 503]
        assert [a.type for a in refused] == ["service-unavailable", "service-unavailable", "not-ready"]
        assert client.call("GET", "/healthz").status == 200

        # A database host that takes connections and never answers: the connect timeout answers for it.
        with socket.create_server(("127.0.0.1", cluster.port), backlog=64):
            silent = [client.write(), client.call("GET", "/readyz")]
            assert [a.status for a in silent] == [503, 503]
            assert client.call("GET", "/healthz").status == 200

        cluster.start()
        back = time.monotonic()
        first = client.write()
        recovered_in = time.monotonic() - back
        assert first.status == 201
        assert client.call("GET", "/readyz").status == 200
        assert_served(client.answers, {200, 201, 503})
        print(f"first write after the database returned: {recovered_in:.2f} s")
        assert stored_intake(cluster.url(database), client.acknowledged()) == client.acknowledged()


def test_phones_writing_through_a_restart_lose_no_acknowledged_write(pg, serve):
    cluster, database = pg
    with serve(cluster.url(database)) as (_, client):
        client.sign_up()
        restarted = threading.Event()

        def restart():
            time.sleep(0.5)
            cluster.stop()
            time.sleep(2)
            cluster.start()
            time.sleep(0.5)
            restarted.set()

        def phone(_):  # writes one record after another, each repeated until stored, until after the restart
            return [client.write_until_stored(str(uuid.uuid4()), seconds=30) for _ in iter(restarted.is_set, True)]

        restarter = threading.Thread(target=restart)
        restarter.start()
        with ThreadPoolExecutor(6) as pool:
            final = [a for answers in pool.map(phone, range(6)) for a in answers]
        ids = {a.id for a in final}
        restarter.join()
        assert_served(client.answers, {200, 201, 503})
        assert {a.status for a in final} <= {200, 201}
        assert 503 in {a.status for a in client.answers}  # the outage was really met
        assert stored_intake(cluster.url(database), client.acknowledged()) == client.acknowledged() >= set(ids)
