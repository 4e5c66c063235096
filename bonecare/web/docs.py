"""/api/docs: Swagger UI served from this app (a pinned package), so the page loads nothing from another origin."""

from flask import Blueprint, current_app, json, url_for
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint(
    "docs", __name__, url_prefix="/api/docs", static_folder=str(swagger_ui_path), static_url_path="/assets"
)  # = OPENAPI_SWAGGER_UI_URL


@bp.get("/init.js")
def init_js():
    """Start Swagger UI on the spec; a script file, not an inline one, so the page's policy forbids inline ones."""
    config = {
        "url": url_for("api-docs.openapi_json"),
        "dom_id": "#swagger-ui-container",
        **current_app.config.get("OPENAPI_SWAGGER_UI_CONFIG", {}),
    }
    script = f"window.onload = function () {{ window.ui = SwaggerUIBundle({json.dumps(config)}); }};\n"
    return current_app.response_class(script, mimetype="text/javascript")
