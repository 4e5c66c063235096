"""Rules of the wire every request and response follows: the body limit and the security headers."""

import io

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from bonecare.web import view_method

# An over-limit body up to this size is read and dropped before the 413, so that the connection stays usable for
# the client's next request; gunicorn.conf.py closes the connection (and the 413 says so) when a longer one is
# declared. gunicorn itself drops at most 64 KiB of an unread body and then closes, whatever it announced.
DRAIN_LIMIT = 1024 * 1024

# Paths whose successful answers carry nothing private: the education catalogue and the API's documentation.
# Every other response (tokens, health data, CSV, errors) is Cache-Control: no-store.
CACHEABLE_PATHS = ("/api/v1/education", "/api/docs", "/api/openapi.json")

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The docs page: its scripts, styles and the spec come from this origin only; Swagger UI sets inline styles.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def body_limit(size: int):
    """Mark a view method as taking a body of up to `size` bytes (at most DRAIN_LIMIT) instead of MAX_CONTENT_LENGTH."""

    def mark(func):
        func.bonecare_body_limit = size
        return func

    return mark


def limit_body():
    """A body over MAX_CONTENT_LENGTH (or the view's own body_limit) is a 413 problem, whether its length is declared
    or it comes chunked."""
    limit = getattr(view_method(), "bonecare_body_limit", None) or current_app.config["MAX_CONTENT_LENGTH"]
    request.max_content_length = limit  # so that werkzeug, reading the body later, holds the same limit
    environ, length = request.environ, request.content_length
    if length is None:
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        # Only a server that ends the stream itself (gunicorn does) lets us read a body of unknown length.
        if not (chunked and environ.get("wsgi.input_terminated")):
            return None
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) <= limit:
            environ["wsgi.input"] = io.BytesIO(body)  # read once here; the view reads it again from memory
            return None
        _drain(environ["wsgi.input"], DRAIN_LIMIT)
    elif length <= limit:
        return None
    elif length <= DRAIN_LIMIT:
        _drain(environ["wsgi.input"], length)
    raise RequestEntityTooLarge(f"The request body is over the limit of {limit // 1024} KiB.")


def _drain(stream, budget: int) -> None:
    """Read and drop up to `budget` bytes of the request body."""
    while budget > 0 and (chunk := stream.read(min(budget, 64 * 1024))):
        budget -= len(chunk)


def secure_headers(response: Response) -> Response:
    """nosniff and a Content-Security-Policy on every response; no-store on all but the public catalogue and docs."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    docs_page = request.endpoint == "api-docs.openapi_swagger_ui"
    response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs_page else API_CSP)
    if response.status_code >= 400 or not request.path.startswith(CACHEABLE_PATHS):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Install the body limit (before any other request hook reads the body) and the headers."""
    app.before_request_funcs.setdefault(None, []).insert(0, limit_body)
    app.after_request(secure_headers)
