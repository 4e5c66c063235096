"""/api/v1/patients/{pid}/changes"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.changes import service
from bonecare.changes.schemas import ChangesOut, ChangesQuery
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("changes", __name__, url_prefix="/api/v1/patients", description="The changes feed, for sync")


@bp.route("/<pid>/changes")
class Changes(MethodView):
    @bp.arguments(ChangesQuery, location="query")
    @bp.response(200, ChangesOut)
    @bp.alt_response(410, response="GONE")
    def get(self, query, pid):
        """Every record and tombstone of the patient changed after `since`, in version order; a page ends at
        next_since. A since older than the tombstones kept is a 410 sync-expired: sync again without it."""
        return service.changes(db.session, current_user(), pid, query, now())
