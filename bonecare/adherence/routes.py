"""/api/v1/patients/{pid}/today and /adherence"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.adherence import service
from bonecare.adherence.schemas import AdherenceOut, AdherenceQuery, TodayOut
from bonecare.adherence.today import today
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("adherence", __name__, url_prefix="/api/v1/patients", description="Progress and adherence")


@bp.route("/<pid>/today")
class Today(MethodView):
    @bp.response(200, TodayOut)
    def get(self, pid):
        """Today's totals against the targets, this week's exercise, the next reminder and DXA."""
        return today(db.session, current_user(), pid, now())


@bp.route("/<pid>/adherence")
class Adherence(MethodView):
    @bp.arguments(AdherenceQuery, location="query")
    @bp.response(200, AdherenceOut)
    def get(self, query, pid):
        """Adherence over a window of local days (default: the 30 ending today)."""
        return service.adherence(db.session, current_user(), pid, query, now())
