"""/api/v1/patients/{pid}/care-plan"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.careplan import service
from bonecare.careplan.schemas import CarePlanIn, CarePlanOut
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("careplan", __name__, url_prefix="/api/v1/patients", description="Targets, from the guidance")


@bp.route("/<pid>/care-plan")
class CarePlanView(MethodView):
    @bp.response(200, CarePlanOut)
    def get(self, pid):
        """The patient's targets (guidance defaults until a clinician changes them)."""
        return service.get(db.session, current_user(), pid, now())

    @bp.arguments(CarePlanIn)
    @bp.response(200, CarePlanOut)
    def put(self, data, pid):
        """Replace the targets (clinician)."""
        return service.put(db.session, current_user(), pid, data, now())
