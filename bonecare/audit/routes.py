"""/api/v1/patients/{pid}/access-log"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.audit.reader import access_log
from bonecare.audit.schemas import AccessLogEntryOut
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint
from bonecare.web.schemas import PageQuery, page_of

bp = Blueprint("audit", __name__, url_prefix="/api/v1/patients", description="Who else read or changed the record")


@bp.route("/<pid>/access-log")
class AccessLog(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(AccessLogEntryOut, "AccessLogPage"))
    def get(self, query, pid):
        """Who (which clinician) read or changed this record, when and what; newest first (patient only)."""
        return access_log(db.session, current_user(), pid, query, now())
