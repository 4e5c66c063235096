"""/api/v1/patients/{pid}/care-plan"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.careplan import service
from bonecare.careplan.schemas import CarePlanIn, CarePlanOut
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint("careplan", __name__, url_prefix="/api/v1/patients", description="Targets, from the guidance")


@bp.route("/<pid>/care-plan")
class CarePlanView(MethodView):
    @bp.response(200, CarePlanOut)
    def get(self, pid):
        """The patient's targets (guidance defaults, version 0, until a clinician changes them), version as ETag."""
        return tagged(service.get(db.session, current_user(), pid, now()))

    @bp.arguments(CarePlanIn)
    @bp.response(200, CarePlanOut)
    @conditional(CarePlanOut)
    def put(self, data, pid):
        """Replace the targets (clinician); If-Match "0" replaces only the guidance's defaults."""
        return tagged(service.put(db.session, current_user(), pid, data, if_match(), now()))
