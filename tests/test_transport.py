"""The wire under gunicorn, the production server: a 413 leaves the connection as it says it does."""

import http.client
import json
import socket
import uuid

import pytest

from bonecare.errors import PROBLEM_TYPE_BASE
from tests import world
from tests.server import app_env, free_port, gunicorn, http_call

OVER_LIMIT = b'{"email": "' + b"a" * (65 * 1024) + b'"}'


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    """gunicorn serving the app on a free port (one worker, so both requests meet the same process)."""
    port = free_port()
    with gunicorn("app:app", port, app_env(database_url), tmp_path_factory.mktemp("gunicorn") / "log", workers=1):
        yield port


def _assert_413(response: http.client.HTTPResponse) -> None:
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(response.read())["type"] == PROBLEM_TYPE_BASE + "payload-too-large"


def _next_request_is_served(conn: http.client.HTTPConnection) -> None:
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {"status": "ok"}


def test_413_for_a_declared_body_keeps_the_connection_usable(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request("POST", "/api/v1/auth/login", body=OVER_LIMIT, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.getheader("Connection") == "keep-alive"
    _assert_413(response)
    _next_request_is_served(conn)
    conn.close()


def test_a_chunked_body_over_the_limit_is_413_and_the_connection_stays_usable(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    chunks = iter([OVER_LIMIT[:40_000], OVER_LIMIT[40_000:]])
    conn.request(
        "POST", "/api/v1/auth/login", body=chunks, headers={"Content-Type": "application/json"}, encode_chunked=True
    )
    response = conn.getresponse()
    assert response.getheader("Connection") == "keep-alive"
    _assert_413(response)
    _next_request_is_served(conn)
    conn.close()


def test_a_chunked_body_under_the_limit_is_read_whole(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    body = b'{"email": "nobody@example.org",' + b" " * 60_000 + b'"password": "not the password"}'
    conn.request(
        "POST",
        "/api/v1/auth/login",
        body=iter([body[:100], body[100:]]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 401, response.read()
    response.read()
    _next_request_is_served(conn)
    conn.close()


def test_a_body_too_long_to_drain_gets_413_with_connection_close(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n" + b"a" * 1024
        )
        received = b""
        while chunk := sock.recv(65536):  # the server closes the connection, as it announced
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"\r\nConnection: close\r\n" in head
    assert json.loads(body)["type"] == PROBLEM_TYPE_BASE + "payload-too-large"


def test_a_batch_up_to_1_mib_is_read_whole_declared_or_chunked_and_over_it_is_413(server):
    patient = world.register(http_call(f"http://127.0.0.1:{server}"), f"batch-{uuid.uuid4().hex[:8]}@example.org")
    entry = {"taken_at": "2026-03-08T08:00:00Z", "calcium_mg": 500, "source": "supplement", "note": "n" * 1000}
    requests_ = [{"id": str(i), "method": "POST", "url": "/patients/me/intake", "body": entry} for i in range(200)]
    body = json.dumps({"requests": requests_}).encode()
    assert 64 * 1024 < len(body) < 1024 * 1024
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {patient.access}"}
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    for chunked in (False, True):
        sent = iter([body[:100_000], body[100_000:]]) if chunked else body
        conn.request("POST", "/api/v1/batch", body=sent, headers=headers, encode_chunked=chunked)
        response = conn.getresponse()
        assert response.status == 200
        assert {answer["status"] for answer in json.loads(response.read())["responses"]} == {201}
    over = json.dumps({"requests": [{**requests_[0], "body": {**entry, "note": "n" * (1024 * 1024)}}]}).encode()
    conn.request("POST", "/api/v1/batch", body=over, headers=headers)
    _assert_413(conn.getresponse())
    conn.close()
