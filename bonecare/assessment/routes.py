"""/api/v1/patients/{pid}/assessment"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.assessment import service
from bonecare.assessment.schemas import AssessmentOut
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/api/v1/patients", description="The guidance applied to a record")


@bp.route("/<pid>/assessment")
class Assessment(MethodView):
    @bp.response(200, AssessmentOut)
    def get(self, pid):
        """Flags with their severity, wording for the caller and citation; when the next DXA is due."""
        return service.assessment(db.session, current_user(), pid, now())
