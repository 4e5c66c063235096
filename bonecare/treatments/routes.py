"""/api/v1/patients/{pid}/treatments"""

import uuid

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.treatments import service
from bonecare.treatments.schemas import TreatmentIn, TreatmentOut, TreatmentPatch
from bonecare.web import Blueprint
from bonecare.web.schemas import PageQuery, page_of
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint("treatments", __name__, url_prefix="/api/v1/patients", description="Bone-modifying agents")


@bp.route("/<pid>/treatments")
class Treatments(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(TreatmentOut, "TreatmentPage"))
    def get(self, query, pid):
        """Courses of bone-modifying agents, latest start first."""
        return service.treatments.list_(db.session, current_user(), pid, query, now())

    @bp.arguments(TreatmentIn)
    @bp.response(201, TreatmentOut)
    @bp.alt_response(200, schema=TreatmentOut, description="a retry of a record already stored (same id and body)")
    def post(self, data, pid):
        """Record a course (clinician); the dose interval defaults from the agent (denosumab 182 days)."""
        treatment, created = service.start(db.session, current_user(), pid, data, now())
        return treatment, 201 if created else 200


@bp.route("/<pid>/treatments/<uuid:treatment_id>")
class TreatmentView(MethodView):
    @bp.arguments(TreatmentPatch)
    @bp.response(200, TreatmentOut)
    @conditional(TreatmentOut)
    def patch(self, changes, pid, treatment_id: uuid.UUID):
        """Stop a course, record the last dose or correct a field (clinician)."""
        return tagged(service.change(db.session, current_user(), pid, treatment_id, changes, if_match(), now()))
