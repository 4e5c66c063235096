"""/api/v1/clinician/patients — the panel, as JSON or CSV"""

from urllib.parse import urlencode

from flask import Response, current_app, request
from flask.views import MethodView

from bonecare.accounts.auth import require_role
from bonecare.clinician import service
from bonecare.clinician.csv_export import as_csv
from bonecare.clinician.schemas import PanelQuery, PanelRow
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.web import Blueprint
from bonecare.web.schemas import page_of

bp = Blueprint("clinician", __name__, url_prefix="/api/v1/clinician", description="The clinician's panel")


@bp.route("/patients")
class Panel(MethodView):
    @bp.arguments(PanelQuery, location="query")
    @bp.response(200, page_of(PanelRow, "PanelPage"), content_type="application/json")
    @bp.alt_response(
        200,
        content_type="text/csv",
        success=True,
        description="with Accept: text/csv; the next page's cursor is in the Link header",
    )
    def get(self, query):
        """One row per patient: adherence, open flags, next DXA; sorted, filtered, paged; CSV on request."""
        page = service.panel(db.session, require_role("clinician"), query, now())
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) != "text/csv":
            return page
        response = Response(as_csv(page), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="panel.csv"'
        if page["next_cursor"]:
            response.headers["Link"] = f'<{_origin()}{request.path}?{_next_query(page["next_cursor"])}>; rel="next"'
        return response


def _origin() -> str:
    """Where absolute links point: BONECARE_PUBLIC_URL; the request's own host only in debug or testing, and
    otherwise nothing (a link relative to the request), so that a forged Host header is never echoed."""
    if public := current_app.config.get("BONECARE_PUBLIC_URL"):
        return public
    return request.host_url.rstrip("/") if current_app.debug or current_app.testing else ""


def _next_query(cursor: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return urlencode({**args, "cursor": cursor})
