"""The Flask extensions, created unbound and bound in create_app."""

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from bonecare.database import Base
from bonecare.errors import PROBLEM_MIMETYPE, ProblemSchema


class BonecareApi(Api):
    """flask-smorest's Api, answering every HTTP error with RFC 9457 problem details."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        """Document the error responses as they are sent: problem+json."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MIMETYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # back to the class's application/json for the rest

    def _register_pagination_header(self):
        """No X-Pagination header, nor its PaginationMetadata schema, in the spec: lists page with a cursor in the
        body (bonecare/web/paging.py), never with flask-smorest's pages."""

    def handle_http_exception(self, error):
        """Render any HTTPException as problem+json."""
        from bonecare.errors import http_exception_problem

        return http_exception_problem(error)


# Objects stay readable after a use case's commit, so the response is dumped without reloading them.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = BonecareApi()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def configured_limit(key: str):
    """A rate limit read from the app's settings when a request comes (each app, a test's too, sets its own)."""
    return lambda: current_app.config[key]
