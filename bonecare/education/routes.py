"""/api/v1/education and /api/v1/patients/{pid}/education/recommended"""

from flask.views import MethodView

from bonecare.accounts.auth import current_user, public
from bonecare.clock import now
from bonecare.education import service
from bonecare.education.schemas import AudienceQuery, CatalogueQuery, RecommendationOut, TopicOut, TopicSummaryOut
from bonecare.extensions import db
from bonecare.web import Blueprint
from bonecare.web.schemas import PageQuery, page_of

bp = Blueprint(
    "education",
    __name__,
    url_prefix="/api/v1",
    description="Education written from the guidance, for patients and for clinicians, with its sources",
)


@bp.route("/education")
class Catalogue(MethodView):
    @public
    @bp.arguments(CatalogueQuery, location="query")
    @bp.response(200, page_of(TopicSummaryOut, "TopicSummaryPage"))
    def get(self, query):
        """List the topics for an audience, in reading order (no sign-in needed)."""
        return service.catalogue(query)


@bp.route("/education/<slug>")
class TopicItem(MethodView):
    @public
    @bp.arguments(AudienceQuery, location="query")
    @bp.response(200, TopicOut)
    @bp.alt_response(404, response="NOT_FOUND", description="no such topic for this audience")
    def get(self, query, slug):
        """One topic with its sections and their citations (no sign-in needed)."""
        return service.topic(slug, query["audience"])


@bp.route("/patients/<pid>/education/recommended")
class Recommended(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(RecommendationOut, "RecommendationPage"))
    @bp.alt_response(404, response="NOT_FOUND", description="no such patient, or not one the caller may see")
    def get(self, query, pid):
        """Topics ranked for this patient's assessment flags, in the caller's wording, with the reasons."""
        return service.recommended(db.session, current_user(), pid, query, now())
