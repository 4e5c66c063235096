"""/api/v1/patients/{pid}/habits"""

import re
from datetime import date

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.errors import Invalid
from bonecare.extensions import db
from bonecare.habits import service
from bonecare.habits.schemas import HabitDayIn, HabitDayOut
from bonecare.web import Blueprint
from bonecare.web.schemas import EARLIEST, LATEST, LogQuery, page_of
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint("habits", __name__, url_prefix="/api/v1/patients", description="Cigarettes and drinks, per local day")


def _day(value: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and EARLIEST <= (day := date.fromisoformat(value)) <= LATEST:
            return day
    except ValueError:
        pass
    raise Invalid(f"Must be a date YYYY-MM-DD between {EARLIEST} and {LATEST}.", "date")


@bp.route("/<pid>/habits")
class HabitList(MethodView):
    @bp.arguments(LogQuery, location="query")
    @bp.response(200, page_of(HabitDayOut, "HabitDayPage"))
    def get(self, query, pid):
        """List recorded days, newest first."""
        return service.list_(db.session, current_user(), pid, query, now())


@bp.route("/<pid>/habits/<day>")
class HabitItem(MethodView):
    @bp.arguments(HabitDayIn)
    @bp.response(200, HabitDayOut)
    @bp.alt_response(201, schema=HabitDayOut, description="the day had no record yet")
    @conditional(HabitDayOut)
    def put(self, data, pid, day):
        """Replace the day's record; If-Match on a day never recorded is a 412 (a tombstone matches its version)."""
        record, created = service.put(db.session, current_user(), pid, _day(day), data, if_match(), now())
        return tagged(record, 201 if created else 200)

    @bp.response(200, HabitDayOut)
    def get(self, pid, day):
        """The day's record, with its version as ETag."""
        return tagged(service.get(db.session, current_user(), pid, _day(day), now()))

    @bp.response(204)
    @conditional(HabitDayOut)
    def delete(self, pid, day):
        """Delete the day's record (kept as a tombstone for sync); deleting it again is a 204."""
        service.delete(db.session, current_user(), pid, _day(day), if_match(), now())
