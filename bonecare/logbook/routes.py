"""The HTTP face of a LogBook: list, create (idempotent), get, edit and delete (with If-Match)."""

import uuid

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.logbook.service import LogBook
from bonecare.web import Blueprint
from bonecare.web.schemas import LogQuery, page_of
from bonecare.web.versions import conditional, if_match, tagged


def log_blueprint(book: LogBook, in_schema, patch_schema, out_schema, *, noun: str, description: str) -> Blueprint:
    """A blueprint serving /api/v1/patients/{pid}/<resource> for one log."""
    bp = Blueprint(book.resource, __name__, url_prefix="/api/v1/patients", description=description)
    page_schema = page_of(out_schema, f"{out_schema.__name__.removesuffix('Out')}Page")

    @bp.route(f"/<pid>/{book.resource}", endpoint=f"{noun.title()}Log")
    class Collection(MethodView):
        @bp.arguments(LogQuery, location="query")
        @bp.response(200, page_schema)
        def get(self, query, pid):
            return book.list_(db.session, current_user(), pid, query, now())

        @bp.arguments(in_schema)
        @bp.response(201, out_schema)
        @bp.alt_response(200, schema=out_schema, description="a retry of an entry already stored (same id and body)")
        def post(self, data, pid):
            entry, created = book.log(db.session, current_user(), pid, data, now())
            return entry, 201 if created else 200

        get.__doc__ = f"List {noun} entries, newest first."
        post.__doc__ = f"Log {noun}; a retry with the same id and body is a 200, another body a 409."

    @bp.route(f"/<pid>/{book.resource}/<uuid:entry_id>", endpoint=f"{noun.title()}Entry")
    class Item(MethodView):
        @bp.response(200, out_schema)
        def get(self, pid, entry_id: uuid.UUID):
            return tagged(book.get(db.session, current_user(), pid, entry_id, now()))

        @bp.arguments(patch_schema)
        @bp.response(200, out_schema)
        @conditional(out_schema)
        def patch(self, changes, pid, entry_id: uuid.UUID):
            return tagged(book.edit(db.session, current_user(), pid, entry_id, changes, if_match(), now()))

        @bp.response(204)
        @conditional(out_schema)
        def delete(self, pid, entry_id: uuid.UUID):
            book.delete(db.session, current_user(), pid, entry_id, if_match(), now())

        get.__doc__ = f"One {noun} entry, with its version as ETag."
        patch.__doc__ = f"Edit a {noun} entry: any field but its id; a new instant moves its local date."
        delete.__doc__ = f"Delete a {noun} entry; a tombstone is kept for sync, and deleting again is a 204."

    return bp
