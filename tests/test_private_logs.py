"""No health data in the logs: a request that fails in the database leaves a traceback, never the values sent, and
as the JSON lines production writes (bonecare/ops/logs.py) too."""

import logging

import pytest
from sqlalchemy import text

from bonecare.extensions import db
from tests.ops.lines import caught
from tests.problems import assert_problem

NOTE = "private-note-4417"
CALCIUM = 777.25


@pytest.fixture
def failing_intake_insert(app):
    """The database fails every intake insert (on PostgreSQL quoting the row in its message, as real errors may)."""
    with app.app_context():
        # A fresh pool: a pooled SQLite connection that still holds a read snapshot from an earlier test would see
        # that test's trigger as still there.
        db.engine.dispose()
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_intake BEFORE INSERT ON intake "
                    "BEGIN INSERT INTO nowhere VALUES (NEW.note); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_intake() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused: % %', NEW.note, NEW.calcium_mg; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_intake BEFORE INSERT ON intake FOR EACH ROW EXECUTE FUNCTION refuse_intake()"
                )
            )
    yield
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_intake" + ("" if conn.dialect.name == "sqlite" else " ON intake")))
        if conn.dialect.name != "sqlite":
            conn.execute(text("DROP FUNCTION refuse_intake()"))


BODY = {
    "taken_at": "2026-03-08T08:00:00Z",
    "calcium_mg": CALCIUM,
    "vitamin_d_iu": 800,
    "source": "supplement",
    "note": NOTE,
}


def test_a_failing_write_logs_where_it_failed_but_not_what_was_sent(auth, caplog, failing_intake_insert):
    patient = auth.as_patient()
    body = BODY
    with caplog.at_level(logging.DEBUG):
        response = patient.post("/api/v1/patients/me/intake", json=body)
    assert_problem(response, 500, "error")
    logged = caplog.text
    assert "unhandled error" in logged and "INSERT INTO intake" in logged  # still enough to find the fault
    for value in (NOTE, str(CALCIUM), "777.25", patient.tokens["access_token"]):
        assert value not in logged


def test_the_json_lines_of_a_failing_write_carry_its_request_id_and_traceback_but_not_what_was_sent(
    auth, failing_intake_insert
):
    patient = auth.as_patient()
    with caught() as lines:
        response = patient.post("/api/v1/patients/me/intake", json=BODY, headers={"X-Request-Id": "fail-1"})
    assert_problem(response, 500, "error")
    assert response.headers["X-Request-Id"] == "fail-1"
    [error] = [line for line in lines.parsed() if line["level"] == "ERROR"]
    assert error["request_id"] == "fail-1" and error["logger"] == "bonecare.errors"
    assert "unhandled error" in error["message"] and "INSERT INTO intake" in error["message"]
    [access] = lines.access("/api/v1/patients/<pid>/intake")
    assert access["status"] == 500 and access["request_id"] == "fail-1"
    for value in (NOTE, str(CALCIUM), patient.tokens["access_token"]):
        assert value not in lines.text
