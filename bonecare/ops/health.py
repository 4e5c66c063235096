"""/healthz and /readyz."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.views import MethodView
from sqlalchemy.exc import SQLAlchemyError

from bonecare.accounts.auth import public
from bonecare.errors import DomainError
from bonecare.extensions import db
from bonecare.web import Blueprint

bp = Blueprint("health", __name__, description="Liveness and readiness")


class NotReady(DomainError):
    """The database is unreachable or behind the code's migrations."""

    status, type, title = 503, "not-ready", "Not ready"


@bp.route("/healthz")
class Healthz(MethodView):
    @public
    @bp.response(200)
    def get(self):
        """The process is alive."""
        return {"status": "ok"}


@bp.route("/readyz")
class Readyz(MethodView):
    @public
    @bp.response(200)
    def get(self):
        """The database is reachable and at the latest migration."""
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        try:
            with db.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_heads()
        except SQLAlchemyError as exc:
            raise NotReady("The database is unreachable.") from exc
        if set(current) != set(script.get_heads()):
            raise NotReady("The database is not at the latest migration; run `flask --app app db upgrade`.")
        return {"status": "ready", "migration": list(current)}
