"""POST /api/v1/batch: up to 200 requests to patients' records in one round trip, each answered as if sent alone.

The batch dispatches into the app by URL, as a client would, so it imports no blueprint: each sub-request runs in an
app context and a request context of its own (a fresh database session and `g`, every before_request hook,
error handler, after_request hook and teardown), with the batch's own bearer token."""

import json
import re
from urllib.parse import unquote

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from marshmallow import validate
from werkzeug.test import EnvironBuilder

from bonecare.extensions import configured_limit, db, limiter
from bonecare.web import Blueprint
from bonecare.web.schemas import Strict
from bonecare.web.transport import DRAIN_LIMIT, body_limit

MAX_REQUESTS = 200
MAX_HEADERS = 32
BODY_LIMIT = DRAIN_LIMIT  # 1 MiB: the most a client may send at once (each sub-request's body keeps its own limit)
API_PREFIX = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
# Headers the batch sets for every sub-request (its token, its connection, its body's framing), never a sub-request.
REFUSED_HEADERS = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "forwarded",
}
# The sub-response's headers a client may need, when present.
ANSWERED_HEADERS = ("Content-Type", "ETag", "Location", "Retry-After", "Allow", "WWW-Authenticate")

_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")  # no "_": a WSGI server reads it as "-"
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]{0,4096}")  # visible ASCII, spaces and tabs: nothing to split a header
_PRINTABLE = re.compile(r"[!-~]{1,2048}")  # visible ASCII, no space: the rest is percent-encoded
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")

bp = Blueprint("batch", __name__, url_prefix=API_PREFIX, description="Several requests in one")


def _batchable(url: str) -> None:
    """A path under /patients/{pid} (relative to /api/v1, with a query string or not) and nothing that could leave
    it: no scheme or host, no `.` or `..` segment, no fragment, however percent-encoded."""
    if not _PRINTABLE.fullmatch(url):
        raise ma.ValidationError("Must be at most 2048 visible ASCII characters (percent-encode the rest).")
    path = unquote(url.partition("?")[0])
    segments = path.split("/")
    if not path.startswith("/patients/") or not segments[2]:
        raise ma.ValidationError(
            "Only a path under /patients/{pid}, relative to /api/v1, can be batched (e.g. /patients/me/intake)."
        )
    if "#" in url or _CONTROL.search(path) or {".", ".."} & set(segments):
        raise ma.ValidationError("Must not hold a fragment, a '.' or '..' segment, a backslash or a control character.")


def _passable_header(name: str) -> None:
    """A header name a sub-request may set."""
    if not _HEADER_NAME.fullmatch(name):
        raise ma.ValidationError("A header name is 1 to 64 letters, digits and '-'.")
    if name.lower() in REFUSED_HEADERS or name.lower().startswith("x-forwarded-"):
        raise ma.ValidationError(f"{name} is the batch's own: a sub-request may not set it.")


def _header_value(value: str) -> None:
    if not _HEADER_VALUE.fullmatch(value):
        raise ma.ValidationError("A header value is at most 4096 visible ASCII characters, spaces and tabs.")


def _few_headers(headers: dict) -> None:
    if len(headers) > MAX_HEADERS:
        raise ma.ValidationError(f"At most {MAX_HEADERS} headers.")


class SubRequestIn(Strict):
    """One request of a batch."""

    id = ma.fields.String(
        required=True,
        validate=validate.Length(1, 100),
        metadata={"description": "the client's id for this request, unique in the batch; its answer carries it"},
    )
    method = ma.fields.String(required=True, validate=validate.OneOf(METHODS))
    url = ma.fields.String(
        required=True,
        validate=_batchable,
        metadata={
            "description": "relative to /api/v1, under /patients/{pid}, e.g. /patients/me/intake?limit=5",
            "pattern": "^/patients/[^/?#]+",
            "maxLength": 2048,
        },
    )
    # Not nullable: a request without a body leaves it out (a nullable free-form object has no plain client type).
    body = ma.fields.Dict(keys=ma.fields.String(), metadata={"description": "a JSON object"})
    headers = ma.fields.Dict(
        keys=ma.fields.String(validate=_passable_header),
        values=ma.fields.String(validate=_header_value, metadata={"pattern": r"^[\t\x20-\x7e]*$", "maxLength": 4096}),
        load_default=dict,
        validate=_few_headers,
        metadata={
            "description": "e.g. If-Match, Accept, Content-Type; never Authorization, Cookie or Host",
            "maxProperties": MAX_HEADERS,
        },
    )


class BatchIn(Strict):
    """Up to 200 requests, answered in order."""

    requests = ma.fields.List(ma.fields.Nested(SubRequestIn), required=True, validate=validate.Length(1, MAX_REQUESTS))

    @ma.validates_schema
    def _unique_ids(self, data, **kwargs):
        seen, duplicates = set(), {}
        for index, sub in enumerate(data["requests"]):
            if sub["id"] in seen:
                duplicates[index] = {"id": ["Another request of this batch has this id: ids must be unique."]}
            seen.add(sub["id"])
        if duplicates:
            raise ma.ValidationError({"requests": duplicates})


class SubResponseOut(ma.Schema):
    """One answer, as the request alone would have had it."""

    id = ma.fields.String()
    status = ma.fields.Integer()
    body = ma.fields.Raw(
        allow_none=True,
        metadata={"description": "the JSON answer (a problem for an error), null when empty; any other type as text"},
    )
    headers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class BatchOut(ma.Schema):
    responses = ma.fields.List(ma.fields.Nested(SubResponseOut))


@bp.route("/batch")
class Batch(MethodView):
    decorators = [limiter.limit(configured_limit("BONECARE_BATCH_RATE_LIMIT"), methods=["POST"])]

    @body_limit(BODY_LIMIT)
    @bp.arguments(BatchIn)
    @bp.response(200, BatchOut)
    @bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, data):
        """Run up to 200 requests to patients' records, in order, each as if sent alone with this token."""
        # The token check's read ends here, so that the batch holds no connection (nor, on PostgreSQL, an open
        # transaction) while its sub-requests run, each in a session of its own.
        db.session.close()
        return {"responses": [run(sub) for sub in data["requests"]]}


def run(sub: dict) -> dict:
    """Answer one sub-request as the app answers a request (wsgi_app's steps, without the WSGI server)."""
    app = current_app._get_current_object()
    path, _, query = sub["url"].partition("?")
    builder = EnvironBuilder(
        path=API_PREFIX + path,
        query_string=query,
        method=sub["method"],
        base_url=request.root_url,
        headers={**sub["headers"], "Authorization": request.headers.get("Authorization", "")},
        # The client's address (rate limits key on it), as when it sends the request alone.
        environ_base={"REMOTE_ADDR": request.remote_addr} if request.remote_addr else None,
        **({"json": sub["body"]} if "body" in sub else {}),
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    with app.app_context(), app.request_context(environ):
        try:
            response = app.full_dispatch_request()
        except Exception as error:  # what no error handler answered, as wsgi_app does: a 500 problem
            response = app.handle_exception(error)
        try:
            return {
                "id": sub["id"],
                "status": response.status_code,
                "body": None if sub["method"] == "HEAD" else _body(response),
                "headers": {name: response.headers[name] for name in ANSWERED_HEADERS if name in response.headers},
            }
        finally:
            response.close()


def _body(response):
    """A sub-response's body: its JSON, the text of any other type, None when it has none (a 204)."""
    data = response.get_data()
    if not data:
        return None
    return json.loads(data) if response.is_json else data.decode("utf-8", "replace")
