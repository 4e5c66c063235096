"""HTTP plumbing shared by every package: the blueprint class, and how requests are read."""

import functools
import re
from http import HTTPStatus

import flask_smorest
from flask import current_app, request
from flask.views import MethodView

from bonecare.errors import Invalid
from bonecare.web.parser import StrictParser

_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Path variables as the services read them, so that a client (or a fuzzer) knows which values can be found.
PATH_VARIABLES = {
    "pid": {"type": "string", "pattern": f"^(me|{_UUID})$", "description": '"me" or a patient\'s id'},
    "day": {
        "type": "string",
        "format": "date",
        "pattern": r"^(19|20|21)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
        "description": "a local date, YYYY-MM-DD",
    },
}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, reading bodies and query strings with the strict parser, and naming every
    operation of a view class `<method><View>` (`getToday`, `postIntakeLog`), the names generated clients use, and
    typing the path variables of PATH_VARIABLES, and refusing a request without the body its operation requires."""

    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """flask-smorest's arguments; a JSON body it documents as required is a 422 when absent (webargs would read
        it as {}, so that a PATCH without a body changed nothing and said 200). A schema class is made once here,
        not by webargs for every request (schemas keep no state between loads)."""
        schema = schema() if isinstance(schema, type) else schema
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return parse

        def decorator(function):
            parsed = parse(function)

            @functools.wraps(parsed)
            def view(*args, **kw):
                if not (request.content_length or request.headers.get("Transfer-Encoding")):
                    raise Invalid("The request needs a JSON body.")
                return parsed(*args, **kw)

            return view

        return decorator

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Register a view class (or function) as flask-smorest does, with its operations named."""
        named = [
            {"in": "path", "name": name, "required": True, "schema": PATH_VARIABLES[name]}
            for name in re.findall(r"<(?:\w+:)?(\w+)>", rule)
            if name in PATH_VARIABLES
        ]
        register = super().route(rule, parameters=[*(parameters or []), *named], tags=tags, **options)

        def decorator(view):
            if isinstance(view, type) and issubclass(view, MethodView):
                noun = (options.get("endpoint") or view.__name__).removesuffix("View")
                for method in view.methods:
                    function = getattr(view, method.lower())
                    doc = {"operationId": f"{method.lower()}{noun}", "responses": self._errors(rule, method, function)}
                    setattr(view, method.lower(), self.doc(**doc)(function))
            return register(view)

        return decorator

    def _errors(self, rule: str, method: str, function) -> dict:
        """The problems an operation can answer besides 422 (its arguments') and the catch-all: 401 without a
        token, 403 and 404 from the access policy on a patient's record, 404 for any other record, 413 for a body
        over the limit. Each refers to flask-smorest's response of that status: problem+json (extensions.py)."""
        errors = {}
        if f"{self.url_prefix or ''}{rule}".startswith("/api/v1/") and not getattr(function, "bonecare_public", False):
            errors["401"] = "UNAUTHORIZED"
        if "<pid>" in rule:
            errors["403"] = "FORBIDDEN"
        if "<" in rule:
            errors["404"] = "NOT_FOUND"
        if method in ("POST", "PUT", "PATCH"):
            errors["413"] = HTTPStatus.REQUEST_ENTITY_TOO_LARGE.name
        return errors


def view_method():
    """The function that will answer this request (the MethodView's method, for class views), where its marks
    (`bonecare_public`, a body limit) are read; None when no route matches.

    A HEAD is answered by the GET (as Flask's MethodView does), so it is that GET."""
    view = current_app.view_functions.get(request.endpoint) if request.url_rule else None
    cls = getattr(view, "view_class", None)
    method = "get" if request.method == "HEAD" else request.method.lower()
    return getattr(cls, method, None) if cls else view
