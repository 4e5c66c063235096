"""/api/v1/patients/{pid}/export — as JSON, or as FHIR with Accept: application/fhir+json"""

from flask import Response, request
from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.errors import NotAcceptable
from bonecare.export import service
from bonecare.export.schemas import ExportOut, FhirBundle
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("export", __name__, url_prefix="/api/v1/patients", description="The patient's own data, exported")

JSON, FHIR = "application/json", "application/fhir+json"


@bp.route("/<pid>/export")
class Export(MethodView):
    @bp.response(200, ExportOut, content_type=JSON)
    @bp.alt_response(
        200,
        schema=FhirBundle,
        content_type=FHIR,
        success=True,
        description="the export as JSON; with Accept: application/fhir+json, a FHIR R4 Bundle of type collection",
    )
    @bp.alt_response(406, response="NOT_ACCEPTABLE")
    def get(self, pid):
        """Everything held about the patient, in one document (the patient, or her clinician: audited); a FHIR
        R4 bundle with Accept: application/fhir+json; any other Accept is a 406."""
        accept = request.accept_mimetypes
        media = accept.best_match([JSON, FHIR]) if accept else JSON  # no Accept: anything goes
        if media is None:
            raise NotAcceptable(f"The export is given as {JSON} or {FHIR}.")
        if media == FHIR:
            bundle = service.fhir_bundle(db.session, current_user(), pid, now())
            return Response(bundle.model_dump_json(), mimetype=FHIR)
        return service.document(db.session, current_user(), pid, now())
