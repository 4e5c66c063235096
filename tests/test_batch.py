"""POST /api/v1/batch: each request answered as if sent alone, in order, in its own transaction; what it refuses."""

import json
import uuid
from datetime import timedelta

import pytest
from flask import Blueprint, Response, g, request, request_finished

from bonecare import create_app
from bonecare.accounts.auth import current_user
from bonecare.errors import Conflict
from tests.conftest import app_config
from tests.factories import log_intake
from tests.problems import assert_problem

BATCH = "/api/v1/batch"
API = "/api/v1"
ME = "/patients/me"


def intake(**fields) -> dict:
    return {"taken_at": "2026-03-08T08:00:00Z", "calcium_mg": 500, "source": "supplement", **fields}


def sub(id_, method, url, body=None, **headers) -> dict:
    """One request of a batch."""
    request_ = {"id": id_, "method": method, "url": url}
    if body is not None:
        request_["body"] = body
    if headers:
        request_["headers"] = {name.replace("_", "-"): value for name, value in headers.items()}
    return request_


def batch(caller, *requests, **kw):
    return caller.post(BATCH, json={"requests": list(requests)}, **kw)


def answers(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["responses"]


def answered(caller, *requests) -> list[dict]:
    """The answers to a batch of these requests."""
    return answers(batch(caller, *requests))


def stored(patient) -> list[dict]:
    return patient.get(f"{API}{ME}/intake").json["items"]


def test_a_mixed_batch_answers_each_as_alone_and_stores_exactly_what_succeeded(auth):
    patient, other = auth.as_patient(), auth.as_patient()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    response = batch(
        patient,
        sub("create", "POST", f"{ME}/intake", intake(id=first)),
        sub("list", "GET", f"{ME}/intake"),
        sub("invalid", "POST", f"{ME}/intake", intake(taken_at="2026-03-08T08:00:00")),
        sub("stranger", "GET", f"/patients/{other.id}/intake"),
        sub("conflict", "POST", f"{ME}/intake", intake(id=first, calcium_mg=900)),
        sub("after", "POST", f"{ME}/intake", intake(id=second, vitamin_d_iu=800)),
    )
    assert response.headers["Cache-Control"] == "no-store"
    got = answers(response)
    assert [(a["id"], a["status"]) for a in got] == [
        ("create", 201),
        ("list", 200),
        ("invalid", 422),
        ("stranger", 404),
        ("conflict", 409),
        ("after", 201),
    ]
    created = got[0]["body"]
    assert created["id"] == first and created["calcium_mg"] == 500
    assert got[0]["headers"] == {"Content-Type": "application/json"}
    assert got[1]["body"] == {"items": [created], "next_cursor": None}
    # An error's answer is the problem the request alone gets.
    alone = patient.post(f"{API}{ME}/intake", json=intake(taken_at="2026-03-08T08:00:00"))
    assert got[2]["body"] == alone.json and "taken_at" in alone.json["errors"]
    assert got[2]["headers"]["Content-Type"] == "application/problem+json"
    assert got[3]["body"] == patient.get(f"{API}/patients/{other.id}/intake").json
    assert got[3]["body"]["type"].endswith("/not-found")
    # The conflict rolled back neither the create before it nor the one after.
    assert sorted(e["id"] for e in stored(patient)) == sorted([first, second])
    assert patient.get(f"{API}{ME}/intake/{first}").json["calcium_mg"] == 500
    assert stored(other) == []


def test_a_replayed_batch_of_creates_stores_nothing_twice(auth):
    patient = auth.as_patient()
    creates = [sub(str(i), "POST", f"{ME}/intake", intake(id=str(uuid.uuid4()), calcium_mg=100 * i)) for i in (1, 2, 3)]
    first = answered(patient, *creates)
    again = answered(patient, *creates)
    assert [a["status"] for a in first] == [201, 201, 201]
    assert [a["status"] for a in again] == [200, 200, 200]
    assert [a["body"] for a in again] == [a["body"] for a in first]
    assert len(stored(patient)) == 3


def test_requests_run_in_order_each_seeing_what_the_one_before_stored(auth):
    patient = auth.as_patient()
    entry = str(uuid.uuid4())
    got = answered(
        patient,
        sub("get-before", "GET", f"{ME}/intake/{entry}"),
        sub("create", "POST", f"{ME}/intake", intake(id=entry)),
        sub("get", "GET", f"{ME}/intake/{entry}"),
        sub("delete", "DELETE", f"{ME}/intake/{entry}"),
        sub("list", "GET", f"{ME}/intake?include_deleted=true"),
    )
    assert [(a["id"], a["status"]) for a in got] == [
        ("get-before", 404),
        ("create", 201),
        ("get", 200),
        ("delete", 204),
        ("list", 200),
    ]
    assert got[2]["body"] == got[1]["body"]
    assert got[3]["body"] is None
    assert got[4]["body"]["items"][0]["deleted_at"] is not None


def test_a_quota_counts_what_the_earlier_requests_of_the_batch_stored(auth):
    patient = auth.as_patient()
    reminder = {"kind": "supplement", "time_of_day": "08:00", "enabled": True}
    got = answered(patient, *(sub(str(i), "POST", f"{ME}/reminders", reminder) for i in range(21)))
    assert [a["status"] for a in got] == [201] * 20 + [422]
    assert "at most 20" in got[20]["body"]["detail"]
    assert len(patient.get(f"{API}{ME}/reminders").json["items"]) == 20


def test_a_query_string_reaches_the_endpoint(auth):
    patient = auth.as_patient()
    for hour in ("07", "08", "09"):
        log_intake(patient, f"2026-03-08T{hour}:00:00Z", calcium=300)
    got = answered(
        patient,
        sub("page", "GET", f"{ME}/intake?limit=2"),
        sub("too-many", "GET", f"{ME}/intake?limit=500"),
        sub("unknown", "GET", f"{ME}/intake?colour=blue"),
    )
    assert len(got[0]["body"]["items"]) == 2 and got[0]["body"]["next_cursor"]
    assert [a["status"] for a in got[1:]] == [422, 422]
    assert "limit" in got[1]["body"]["errors"] and "colour" in got[2]["body"]["errors"]


def test_a_clinicians_batch_logs_each_read_as_it_would_alone(auth):
    def reads(patient) -> list[str]:
        entry = log_intake(patient, "2026-03-08T09:00:00Z", calcium=500)["id"]
        return [f"/patients/{patient.id}", f"/patients/{patient.id}/intake", f"/patients/{patient.id}/intake/{entry}"]

    def access_log(patient, clinician) -> list[tuple]:
        items = patient.get(f"{API}{ME}/access-log").json["items"]
        return sorted(
            (e["actor"]["id"] == clinician.id, e["action"], e["resource"], bool(e["resource_id"])) for e in items
        )

    patient, clinician = auth.care_team()
    got = answered(clinician, *(sub(str(i), "GET", url) for i, url in enumerate(reads(patient))))
    assert [a["status"] for a in got] == [200, 200, 200]
    alone, her_clinician = auth.care_team()  # the same three reads of another patient, each sent alone
    for url in reads(alone):
        assert her_clinician.get(f"{API}{url}").status_code == 200
    logged = access_log(patient, clinician)
    assert len(logged) == 3 and all(by_her_clinician for by_her_clinician, *_ in logged)
    assert logged == access_log(alone, her_clinician)


def test_every_signed_in_caller_gets_in_and_each_request_answers_for_its_own_path(auth):
    patient, clinician = auth.care_team()
    stranger, other_clinician = auth.as_patient(), auth.as_clinician()
    requests_ = [sub("profile", "GET", f"/patients/{patient.id}"), sub("mine", "GET", ME)]
    callers = {"patient": patient, "clinician": clinician, "stranger": stranger, "other_clinician": other_clinician}
    statuses = {name: [a["status"] for a in answered(caller, *requests_)] for name, caller in callers.items()}
    # "me" is the signed-in patient; a clinician has no record of her own.
    assert statuses == {
        "patient": [200, 200],
        "clinician": [200, 404],
        "stranger": [404, 200],
        "other_clinician": [404, 404],
    }
    assert_problem(batch(auth.anonymous(), *requests_), 401, "token-missing")


def test_an_expired_token_makes_the_batch_itself_a_401(app, auth):
    patient = auth.as_patient()
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    try:
        stale = auth.login(patient.email)["access_token"]
    finally:
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=15)
    response = patient.client.post(
        BATCH,
        json={"requests": [sub("1", "POST", f"{ME}/intake", intake())]},
        headers={"Authorization": f"Bearer {stale}"},
    )
    assert_problem(response, 401, "token-expired")
    assert stored(patient) == []


def test_200_requests_complete_in_a_batch_over_the_64_kib_of_one_request(auth):
    patient = auth.as_patient()
    requests_ = [sub(f"r{i}", "POST", f"{ME}/intake", intake(note="n" * 400)) for i in range(200)]
    assert len(json.dumps({"requests": requests_})) > 64 * 1024
    got = answered(patient, *requests_)
    assert [a["id"] for a in got] == [f"r{i}" for i in range(200)]
    assert {a["status"] for a in got} == {201}
    assert len(patient.get(f"{API}{ME}/intake?limit=200").json["items"]) == 200


def test_201_requests_are_a_422(auth):
    patient = auth.as_patient()
    response = batch(patient, *(sub(str(i), "POST", f"{ME}/intake", intake()) for i in range(201)))
    assert_problem(response, 422, "validation-error", "requests")
    assert stored(patient) == []


def test_a_body_over_1_mib_is_a_413(auth):
    patient = auth.as_patient()
    requests_ = [sub(str(i), "POST", f"{ME}/intake", intake(note="n" * 1000)) for i in range(100)]
    requests_.append(sub("big", "POST", f"{ME}/intake", intake(note="n" * (1024 * 1024))))
    assert_problem(batch(patient, *requests_), 413, "payload-too-large")
    assert stored(patient) == []


def test_a_request_over_64_kib_in_a_batch_is_that_requests_413(auth):
    patient = auth.as_patient()
    got = answered(patient, sub("big", "POST", f"{ME}/intake", intake(note="n" * (65 * 1024))))
    assert got[0]["status"] == 413 and got[0]["body"]["type"].endswith("/payload-too-large")


def test_duplicate_ids_are_a_422_naming_the_request(auth):
    patient = auth.as_patient()
    response = batch(
        patient,
        sub("a", "POST", f"{ME}/intake", intake()),
        sub("b", "GET", f"{ME}/intake"),
        sub("a", "GET", f"{ME}/intake"),
    )
    body = assert_problem(response, 422, "validation-error", "requests.2.id")
    assert list(body["errors"]) == ["requests.2.id"]
    assert stored(patient) == []


@pytest.mark.parametrize(
    "url",
    [
        "/batch",
        "/auth/logout",
        "/auth/login",
        "/invitations",
        "/clinician/patients",
        "/education",
        "/patients",
        "/patients/",
        "patients/me",
        "/api/v1/patients/me",
        "https://evil.example/patients/me",
        "//evil.example/patients/me",
        "/patients/me/../../batch",
        "/patients/me/%2e%2E/%2e%2e/batch",
        "/patients/me%2F..%2F..%2Fbatch",
        "/patients/./me",
        "/patients/me/intake#top",
        "/patients/me\\..\\..\\batch",
        "/patients/me/%00",
        "/patients/me/intake limit",
        "/patients/me/caf\u00e9",
        "/patients/" + "x" * 2048,
    ],
)
def test_a_path_a_batch_may_not_reach_is_a_422_naming_the_request_and_nothing_runs(auth, url):
    patient = auth.as_patient()
    response = batch(patient, sub("ok", "POST", f"{ME}/intake", intake()), sub("bad", "GET", url))
    body = assert_problem(response, 422, "validation-error", "requests.1.url")
    assert list(body["errors"]) == ["requests.1.url"] and body["errors"]["requests.1.url"][0]
    assert stored(patient) == []


@pytest.mark.parametrize(
    "name",
    ["Authorization", "authorization", "Cookie", "Host", "Content-Length", "Transfer-Encoding", "X-Forwarded-For"],
)
def test_a_header_the_batch_sets_itself_is_refused_in_a_request(auth, name):
    patient = auth.as_patient()
    response = batch(patient, {**sub("1", "GET", ME), "headers": {name: "x"}})
    body = assert_problem(response, 422, "validation-error", f"requests.0.headers.{name}.key")
    assert "batch's own" in body["errors"][f"requests.0.headers.{name}.key"][0]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ('{"requests": [' * 40, 400),
        ("[]", 422),
        ('"requests"', 422),
        ("{}", 422),
        ('{"requests": "all"}', 422),
        ('{"requests": {}}', 422),
        ('{"requests": []}', 422),
        ('{"requests": [null]}', 422),
        ('{"requests": [[]]}', 422),
        ('{"requests": [{"id": "1", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "1", "method": "GET"}]}', 422),
        ('{"requests": [{"method": "GET", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": 1, "method": "GET", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "", "method": "GET", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "1", "method": "OPTIONS", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "1", "method": "TRACE", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "1", "method": "get", "url": "/patients/me"}]}', 422),
        ('{"requests": [{"id": "1", "method": "GET", "url": 7}]}', 422),
        ('{"requests": [{"id": "1", "method": "POST", "url": "/patients/me/intake", "body": []}]}', 422),
        ('{"requests": [{"id": "1", "method": "POST", "url": "/patients/me/intake", "body": "x"}]}', 422),
        ('{"requests": [{"id": "1", "method": "POST", "url": "/patients/me/intake", "body": null}]}', 422),
        ('{"requests": [{"id": "1", "method": "GET", "url": "/patients/me", "headers": []}]}', 422),
        ('{"requests": [{"id": "1", "method": "GET", "url": "/patients/me", "headers": {"Accept": 1}}]}', 422),
        (
            '{"requests": [{"id": "1", "method": "GET", "url": "/patients/me", "headers": {"X-A": "1\\r\\nX-B: 2"}}]}',
            422,
        ),
        ('{"requests": [{"id": "1", "method": "GET", "url": "/patients/me", "headers": {"X_A": "1"}}]}', 422),
        ('{"requests": [{"id": "1", "method": "GET", "url": "/patients/me", "colour": "blue"}]}', 422),
        ('{"requests": [], "colour": "blue"}', 422),
    ],
)
def test_a_malformed_batch_is_a_clear_4xx(auth, body, status):
    patient = auth.as_patient()
    response = patient.client.post(BATCH, data=body, content_type="application/json", headers=patient.headers)
    assert_problem(response, status, "bad-request" if status == 400 else "validation-error")


def test_a_batch_that_is_not_json_is_a_415(auth):
    patient = auth.as_patient()
    response = patient.client.post(BATCH, data="requests", content_type="text/plain", headers=patient.headers)
    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "GET", "DELETE"])
def test_other_methods_on_batch_answer_as_on_any_post_only_endpoint(auth, method):
    patient = auth.as_patient()
    mine, theirs = (
        patient.client.open(path, method=method, headers=patient.headers) for path in (BATCH, f"{API}/invitations")
    )
    assert (mine.status_code, mine.headers.get("Allow"), mine.mimetype) == (
        theirs.status_code,
        theirs.headers.get("Allow"),
        theirs.mimetype,
    )
    assert mine.status_code == (200 if method == "OPTIONS" else 405)


@pytest.fixture
def limits(app):
    """Set rate limits for one test."""
    saved = {k: app.config[k] for k in ("BONECARE_AUTH_RATE_LIMIT", "BONECARE_BATCH_RATE_LIMIT")}
    yield app.config.update
    app.config.update(saved)


def test_a_rate_limited_path_answers_429_for_its_request_while_the_others_go_through(auth, limits):
    patient = auth.as_patient()
    codes = [auth.as_clinician().post(f"{API}/invitations", json={}).json["code"] for _ in range(3)]
    limits(BONECARE_AUTH_RATE_LIMIT="2 per minute")
    got = answered(
        patient,
        *(sub(f"join{i}", "POST", f"{ME}/care-team", {"invitation_code": code}) for i, code in enumerate(codes)),
        sub("profile", "GET", ME),
    )
    assert [a["status"] for a in got] == [201, 201, 429, 200]
    assert got[2]["body"]["type"].endswith("/rate-limited") and int(got[2]["headers"]["Retry-After"]) > 0
    assert len(patient.get(f"{API}{ME}/care-team").json["items"]) == 2
    # The batch's requests counted in the same bucket as the client's own requests.
    direct = patient.post(f"{API}{ME}/care-team", json={"invitation_code": codes[2]})
    assert_problem(direct, 429, "rate-limited")


def test_the_batch_itself_counts_against_its_own_limit(auth, limits):
    patient = auth.as_patient()
    limits(BONECARE_BATCH_RATE_LIMIT="2 per minute")
    statuses = [batch(patient, sub("1", "GET", ME)).status_code for _ in range(2)]
    third = batch(patient, sub("1", "GET", ME))
    assert statuses == [200, 200]
    assert_problem(third, 429, "rate-limited")
    assert int(third.headers["Retry-After"]) > 0


# A second app on the same database, with routes under /patients that show what a request saw and answer in ways
# no real endpoint does (a bug, a CSV, a Location and an ETag), registered before its first request.
probe = Blueprint("probe", __name__, url_prefix=f"{API}/patients/<pid>")


@probe.route("/probe", methods=["GET", "POST"])
def _probe(pid):
    seen = {
        "user": str(current_user().id),
        "if_match": request.headers.get("If-Match"),
        "accept": request.headers.get("Accept"),
        "authorization": request.headers.get("Authorization", "")[:7],
        "cookie": request.headers.get("Cookie"),
        "remote_addr": request.remote_addr,
        "args": request.args.to_dict(),
        "body": request.get_json(silent=True),
        "left_by_the_last": g.get("probe_marker"),
    }
    g.probe_marker = "set"
    return seen


@probe.route("/probe.csv")
def _csv(pid):
    return Response("day,calcium_mg\n2026-03-08,500\n", mimetype="text/csv")


@probe.route("/probe/made", methods=["POST"])
def _made(pid):
    return {"made": True}, 201, {"Location": f"{API}/patients/{pid}/probe/1", "ETag": '"v1"'}


@probe.route("/probe/bug")
def _bug(pid):
    raise RuntimeError("a bug")


@probe.route("/probe/conflict")
def _conflict(pid):
    raise Conflict("Probed conflict.")


@pytest.fixture(scope="module")
def probe_app(database_url, _clock):
    app = create_app(app_config(database_url, _clock))
    app.register_blueprint(probe)
    finished, torn_down = [], []
    request_finished.connect(lambda sender, response, **kw: finished.append((request.path, response)), app, weak=False)
    app.teardown_request(lambda error: torn_down.append(request.path))
    app.extensions["probe"] = {"finished": finished, "torn_down": torn_down}
    return app


@pytest.fixture
def prober(auth, probe_app):
    """A patient signed in (on the main app: same database and key), calling the probe app."""
    patient = auth.as_patient()
    patient.client = probe_app.test_client()
    for seen in probe_app.extensions["probe"].values():
        seen.clear()
    return patient


def test_a_requests_headers_reach_the_endpoint_with_the_batchs_token_and_address(prober):
    response = prober.client.post(
        BATCH,
        json={
            "requests": [
                sub("1", "POST", f"{ME}/probe?page=2", {"a": 1}, If_Match='"v1"', Accept="application/json"),
            ]
        },
        headers=prober.headers,
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    seen = answers(response)[0]["body"]
    assert seen == {
        "user": prober.id,
        "if_match": '"v1"',
        "accept": "application/json",
        "authorization": "Bearer ",
        "cookie": None,
        "remote_addr": "203.0.113.9",
        "args": {"page": "2"},
        "body": {"a": 1},
        "left_by_the_last": None,
    }


def test_each_request_runs_every_hook_of_a_request_alone_and_leaves_nothing_to_the_next(prober, probe_app):
    got = answered(
        prober,
        sub("1", "GET", f"{ME}/probe"),
        sub("2", "GET", f"{ME}/probe"),
        sub("3", "GET", f"{ME}/probe/conflict"),
    )
    assert [a["body"].get("left_by_the_last") for a in got[:2]] == [None, None]
    assert got[2]["status"] == 409 and got[2]["body"]["type"].endswith("/conflict")  # the app's error handlers
    seen = probe_app.extensions["probe"]
    paths = [f"{API}{ME}/probe", f"{API}{ME}/probe", f"{API}{ME}/probe/conflict", BATCH]
    assert [path for path, _ in seen["finished"]] == paths  # each request's own after_request hooks ran
    for _, response in seen["finished"]:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert seen["torn_down"] == paths  # and its teardown, before the next began


def test_a_bug_in_one_request_is_its_500_and_the_others_go_through(prober):
    got = answered(
        prober,
        sub("before", "POST", f"{ME}/intake", intake()),
        sub("bug", "GET", f"{ME}/probe/bug"),
        sub("after", "GET", f"{ME}/intake"),
    )
    assert [a["status"] for a in got] == [201, 500, 200]
    assert got[1]["body"]["type"].endswith("/error") and "a bug" not in json.dumps(got[1]["body"])
    assert got[2]["body"]["items"] == [got[0]["body"]]


def test_an_answer_that_is_not_json_comes_back_as_text(prober):
    got = answered(prober, sub("csv", "GET", f"{ME}/probe.csv", Accept="text/csv"))[0]
    assert got["status"] == 200
    assert got["headers"] == {"Content-Type": "text/csv; charset=utf-8"}
    assert got["body"] == "day,calcium_mg\n2026-03-08,500\n"


def test_an_answers_location_and_etag_come_back_in_its_headers(prober):
    got = answered(prober, sub("made", "POST", f"{ME}/probe/made", {}))[0]
    assert got["status"] == 201
    assert got["headers"] == {
        "Content-Type": "application/json",
        "Location": f"{API}/patients/me/probe/1",
        "ETag": '"v1"',
    }
