"""The app's log lines: one JSON object each, the access line's fields, and never a health value, a token, a query
string's values or a statement's parameters."""

import json
import logging

from gunicorn.config import Config

from bonecare.ops.logs import GunicornLogger

CALCIUM = 1234.5
NOTE = "private-note-5521"
INTAKE = "/api/v1/patients/<pid>/intake"


def test_every_line_is_json_and_the_access_line_names_the_route_not_the_path(auth, log_lines):
    patient = auth.as_patient()
    response = patient.get(f"/api/v1/patients/{patient.id}/intake?limit=7", headers={"X-Request-Id": "trace-9"})
    assert response.status_code == 200
    [line] = log_lines.access(INTAKE)
    assert line["request_id"] == "trace-9" and line["method"] == "GET" and line["status"] == 200
    assert line["message"] == f"GET {INTAKE} 200"
    assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 10_000
    assert line["level"] == "INFO" and line["time"].endswith("Z")
    assert patient.id not in log_lines.text and "limit=7" not in log_lines.text


def test_an_intake_leaves_no_health_value_token_or_sql_parameter_in_the_logs(auth, log_lines):
    patient = auth.as_patient()
    body = {
        "taken_at": "2026-03-08T08:00:00Z",
        "calcium_mg": CALCIUM,
        "vitamin_d_iu": 800,
        "source": "supplement",
        "note": NOTE,
    }
    engine = logging.getLogger("sqlalchemy.engine")
    engine.setLevel(logging.INFO)  # every statement logged, as an operator might ask for
    try:
        response = patient.post("/api/v1/patients/me/intake", json=body)
    finally:
        engine.setLevel(logging.WARNING)
    assert response.status_code == 201
    lines = log_lines.parsed()
    assert any("INSERT INTO intake" in line["message"] for line in lines)  # the statement, yes
    assert [line["status"] for line in log_lines.access(INTAKE)] == [201]
    for secret in (str(CALCIUM), NOTE, patient.tokens["access_token"], "Bearer"):
        assert secret not in log_lines.text


def test_gunicorns_own_lines_are_json_with_no_access_line_and_no_query_values(tmp_path):
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = GunicornLogger(config)
    try:
        logger.info("Booting worker with pid: %s", 42)
        try:
            raise ValueError("broken pipe")
        except ValueError:
            logger.exception("Error handling request %s %s", "GET", f"/api/v1/patients/me/intake?calcium={CALCIUM}")
        logger.access(None, None, {}, None)
    finally:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                handler.close()
                log.removeHandler(handler)
    booting, error = (json.loads(line) for line in (tmp_path / "error.log").read_text().splitlines())
    assert booting["message"] == "Booting worker with pid: 42" and booting["logger"] == "gunicorn.error"
    assert error["message"] == "Error handling request GET /api/v1/patients/me/intake"
    assert "ValueError" in error["exception"] and str(CALCIUM) not in error["exception"]
    assert (tmp_path / "access.log").read_text() == ""
