"""/api/v1/patients/{pid}/today (and adherence)"""

from flask.views import MethodView
from flask_smorest import Blueprint

from bonecare.accounts.auth import current_user
from bonecare.adherence.schemas import TodayOut
from bonecare.adherence.today import today
from bonecare.clock import now
from bonecare.extensions import db

bp = Blueprint("adherence", __name__, url_prefix="/api/v1/patients", description="Progress and adherence")


@bp.route("/<pid>/today")
class Today(MethodView):
    @bp.response(200, TodayOut)
    def get(self, pid):
        """Today's totals against the targets, this week's exercise, the next reminder and DXA."""
        return today(db.session, current_user(), pid, now())
