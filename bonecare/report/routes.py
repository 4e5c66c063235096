"""/api/v1/patients/{pid}/report — the one-page PDF"""

from flask import Response
from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.report import service
from bonecare.web import Blueprint
from bonecare.web.schemas import DateRange

bp = Blueprint("report", __name__, url_prefix="/api/v1/patients", description="The one-page report")


class ReportQuery(DateRange):
    """?from=&to= (inclusive, patient-local; default the 90 local days ending today; at most 366 days)."""


@bp.route("/<pid>/report")
class Report(MethodView):
    @bp.arguments(ReportQuery, location="query")
    @bp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="application/pdf",
        description="one A4 page: adherence with charts, DXA scans, labs, treatments, flags, the period",
    )
    def get(self, query, pid):
        """The patient's record for a period as a one-page PDF to take to a doctor or to file."""
        pdf = service.report(db.session, current_user(), pid, query, now())
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = 'inline; filename="bone-health-report.pdf"'
        return response
