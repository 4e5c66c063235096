"""The OpenAPI document reads plainly to client generators: named operations, typed nullables, required fields."""

import json
import re
from collections import Counter
from datetime import timedelta

from bonecare.localtime import places
from bonecare.web.openapi import NO_NUL, NULL
from bonecare.web.schemas import DATE_PATTERN, EARLIEST, INSTANT_PATTERN, LATEST

METHODS = {"get", "post", "put", "patch", "delete"}
# A weekly target's sessions and minutes may each be left out (a missing one counts as 0), in and out.
OPTIONAL_BY_CONTRACT = {"WeeklyTarget"}


def _operations(spec):
    return [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items() if method in METHODS
    ]


def _nodes(value):
    """Every object in the document, depth first."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)


def _refs(value) -> set[str]:
    """The component schemas a part of the document refers to."""
    prefix = "#/components/schemas/"
    return {node["$ref"].removeprefix(prefix) for node in _nodes(value) if node.get("$ref", "").startswith(prefix)}


def _reachable(schemas: dict, names: set[str]) -> set[str]:
    """Those schemas and every schema nested in them."""
    pending, seen = list(names), set()
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += _refs(schemas[name])
    return seen


def test_every_operation_has_a_unique_operation_id(spec):
    ids = [op.get("operationId") for _, _, op in _operations(spec)]
    assert None not in ids
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    assert {"getToday", "postIntakeLog", "getIntakeLog", "patchProfile"} <= set(ids)


def test_nullable_references_are_not_unions_with_an_empty_object(spec):
    for node in _nodes(spec):
        for union in ("anyOf", "oneOf"):
            assert {"type": "object", "nullable": True} not in node.get(union, []), json.dumps(node)
    schemas = spec["components"]["schemas"]
    next_reminder = schemas["TodayOut"]["properties"]["next_reminder"]
    assert next_reminder == {"anyOf": [{"$ref": "#/components/schemas/NextReminder"}, NULL]}
    kinds_met = schemas["ExerciseWeek"]["properties"]["kinds_met"]  # a reference with a description
    assert kinds_met["anyOf"] == [{"$ref": "#/components/schemas/KindsMet"}, NULL] and kinds_met["description"]


def test_nullable_stands_beside_a_type(spec):
    """OpenAPI 3.0.3's `nullable` acts on the `type` beside it only (Redocly's nullable-type-sibling)."""
    assert [node for node in _nodes(spec) if "nullable" in node and "type" not in node] == []


def test_no_enum_holds_null(spec):
    assert [node for node in _nodes(spec) if None in node.get("enum", []) and node != NULL] == []


def test_every_component_schema_is_used(spec):
    """Redocly's no-unused-components: flask-smorest's PaginationMetadata, for one, is not in the document."""
    components = spec["components"]
    roots = _refs(spec["paths"]) | _refs({kind: items for kind, items in components.items() if kind != "schemas"})
    assert set(components["schemas"]) - _reachable(components["schemas"], roots) == set()


def test_every_response_schema_lists_its_required_fields(spec):
    schemas = spec["components"]["schemas"]
    responses = [op.get("responses", {}) for _, _, op in _operations(spec)]
    seen = _reachable(schemas, _refs([response.get("content", {}) for r in responses for response in r.values()]))
    assert {"TodayOut", "NextReminder", "NotificationOut"} <= seen
    unlisted = {name for name in seen if schemas[name].get("properties") and not schemas[name].get("required")}
    assert unlisted == OPTIONAL_BY_CONTRACT


def test_outputs_are_typed(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["NotificationOut"]["properties"]["status"]["enum"][0] == "pending"
    assert "claimed" not in schemas["NotificationOut"]["properties"]["status"]["enum"]
    assert schemas["ProfileOut"]["properties"]["quiet_hours"]["anyOf"][1] == NULL
    assert schemas["PanelRow"]["properties"]["max_severity"]["enum"] == ["info", "warning", "urgent"]


def test_servers_name_where_clients_call(spec):
    assert spec["servers"] == [{"url": "/"}]


def test_operations_document_their_problems(spec):
    paths = spec["paths"]
    log_intake = paths["/api/v1/patients/{pid}/intake"]["post"]["responses"]
    assert {"401", "403", "404", "413", "422"} <= set(log_intake)
    assert "401" not in paths["/api/v1/auth/login"]["post"]["responses"]
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert unauthorized["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_path_variables_are_typed(spec):
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/patients/{pid}/habits/{day}"]["parameters"]}
    assert parameters["pid"]["pattern"].startswith("^(me|")
    assert parameters["day"]["format"] == "date"
    assert spec["paths"]["/api/v1/invitations"]["post"]["requestBody"]["required"] is False


def test_what_a_client_sends_states_the_pattern_the_server_reads(spec):
    schemas = spec["components"]["schemas"]
    intake = schemas["IntakeIn"]["properties"]
    assert intake["taken_at"]["pattern"] == INSTANT_PATTERN
    assert intake["note"]["pattern"] == NO_NUL  # free text: the parser refuses NUL in any string of a body
    assert "pattern" not in intake["id"]  # a uuid says it by its format
    assert schemas["AppointmentIn"]["properties"]["scheduled_for"]["pattern"] == DATE_PATTERN
    query = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/patients/{pid}/intake"]["get"]["parameters"]}
    assert query["from"]["pattern"] == DATE_PATTERN
    # what the server answers is not held to what it reads
    assert "pattern" not in schemas["IntakeOut"]["properties"]["taken_at"]
    assert "pattern" not in schemas["IntakeOut"]["properties"]["note"]


def test_the_date_patterns_are_the_years_the_server_takes():
    for pattern, suffix in ((DATE_PATTERN, ""), (INSTANT_PATTERN, "T00:00:00Z")):
        assert re.fullmatch(pattern, f"{EARLIEST}{suffix}") and re.fullmatch(pattern, f"{LATEST}{suffix}")
        assert not re.fullmatch(pattern, f"{EARLIEST - timedelta(days=1)}{suffix}")
        assert not re.fullmatch(pattern, f"{LATEST + timedelta(days=1)}{suffix}")


def test_rules_the_schemas_check_are_in_the_spec(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["RegisterIn"]["properties"]["timezone"]["enum"] == sorted(places())
    assert schemas["ProfilePatch"]["properties"]["timezone"]["enum"] == sorted(places())
    assert spec["paths"]["/api/v1/patients/{pid}"]["patch"]["requestBody"]["required"] is True
    assert schemas["ReminderIn"]["properties"]["days_of_week"]["uniqueItems"] is True
    assert schemas["WeeklyTarget"]["minProperties"] == 1


def test_a_nullable_choice_a_client_sends_allows_null_by_openapi_3_0_3(spec, auth):
    # An enum beside `nullable` still refuses null (3.0.3), and null is no choice: it is anyOf the enum, a schema
    # of its own (one enum class in a generated client), and NULL.
    smoking = spec["components"]["schemas"]["ProfilePatch"]["properties"]["smoking_status"]
    assert smoking == {"anyOf": [{"$ref": "#/components/schemas/SmokingStatus"}, NULL]}
    assert spec["components"]["schemas"]["SmokingStatus"] == {"type": "string", "enum": ["never", "former", "current"]}
    patient = auth.as_patient()
    assert patient.patch("/api/v1/patients/me", json={"smoking_status": None}).json["smoking_status"] is None


def test_a_query_parameter_is_never_null(spec):
    for _, _, op in _operations(spec):
        for parameter in op.get("parameters", []):
            schema = parameter["schema"]
            assert "nullable" not in schema and "allOf" not in schema and "anyOf" not in schema, parameter
