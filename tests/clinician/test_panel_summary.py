"""The panel's summaries: daily rows equal to the logs after any mix of writes, stored panel rows recomputed when
a record changes or a local day turns, a constant number of statements per page, and the rebuild command."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bonecare.clinician import status
from bonecare.clinician.models import PanelStatus
from bonecare.exercise.models import KINDS, Exercise
from bonecare.extensions import db
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake
from bonecare.logbook import daily
from bonecare.logbook.daily import PatientDay
from bonecare.reminders import worker
from tests.counting import count_statements
from tests.factories import enrol, log_exercise, log_habits, log_intake

NOW = "2026-03-20T12:00:00Z"
PANEL = "/api/v1/clinician/patients"


def _oracle(patient_id) -> dict:
    """The patient's days summed in Python from her live entries: what the daily rows must hold."""
    days: dict = defaultdict(lambda: defaultdict(float))
    for row in db.session.scalars(select(Intake).where(Intake.patient_id == patient_id, Intake.deleted_at.is_(None))):
        day = days[row.local_date]
        day["intakes"] += 1
        day["calcium_mg"] += row.calcium_mg
        day["vitamin_d_iu"] += row.vitamin_d_iu
    live = Exercise.patient_id == patient_id, Exercise.deleted_at.is_(None)
    for row in db.session.scalars(select(Exercise).where(*live)):
        day = days[row.local_date]
        day["sessions"] += 1
        day[f"{row.kind}_min"] += row.duration_min
        day[f"{row.kind}_sessions"] += 1
    live = HabitDay.patient_id == patient_id, HabitDay.deleted_at.is_(None)
    for row in db.session.scalars(select(HabitDay).where(*live)):
        day = days[row.local_date]
        day["habits"] += 1
        day["drinks"] += row.alcohol_drinks
        day["cigarettes"] += row.cigarettes
    return {d: {name: pytest.approx(values.get(name, 0)) for name in daily.SUMS} for d, values in days.items()}


def _stored(patient_id) -> dict:
    rows = db.session.scalars(select(PatientDay).where(PatientDay.patient_id == patient_id))
    return {row.local_date: {name: getattr(row, name) for name in daily.SUMS} for row in rows}


# One step of a patient's life: log, edit (moving an entry to another day), delete, replace a day's habits,
# move to another time zone.
_instant = st.integers(0, 9 * 24).map(lambda h: datetime(2026, 3, 10, tzinfo=UTC) + timedelta(hours=h))
_steps = st.lists(
    st.one_of(
        st.tuples(st.just("intake"), _instant, st.integers(1, 1500), st.integers(0, 2000)),
        st.tuples(st.just("exercise"), _instant, st.sampled_from(KINDS), st.integers(1, 90)),
        st.tuples(st.just("edit"), st.integers(0, 20), _instant),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("habits"), st.integers(10, 19), st.integers(0, 5), st.integers(0, 4)),
        st.tuples(st.just("unhabit"), st.integers(10, 19)),
        st.tuples(st.just("zone"), st.sampled_from(["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])),
    ),
    min_size=1,
    max_size=14,
)


def _z(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _apply(patient, step, logged: list) -> None:
    """Do one step through the API; `logged` holds the (kind, id) of every entry made."""
    kind = step[0]
    if kind == "intake":
        logged.append(("intake", log_intake(patient, _z(step[1]), calcium=step[2], vitamin_d=step[3])["id"]))
    elif kind == "exercise":
        logged.append(("exercise", log_exercise(patient, _z(step[1]), step[2], step[3])["id"]))
    elif kind in ("edit", "delete") and logged:
        what, entry_id = logged[step[1] % len(logged)]
        url = f"/api/v1/patients/me/{what}/{entry_id}"
        if kind == "delete":
            assert patient.delete(url).status_code == 204
        else:
            field = "taken_at" if what == "intake" else "started_at"
            assert patient.patch(url, json={field: _z(step[2])}).status_code in (200, 404)  # 404: deleted
    elif kind == "habits":
        log_habits(patient, f"2026-03-{step[1]}", cigarettes=step[2], drinks=step[3])
    elif kind == "unhabit":
        assert patient.delete(f"/api/v1/patients/me/habits/2026-03-{step[1]}").status_code in (204, 404)
    elif kind == "zone":
        assert patient.patch("/api/v1/patients/me", json={"timezone": step[1]}).status_code == 200


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps)
def test_the_daily_summary_equals_the_logs_after_any_mix_of_writes(app, auth, clock, steps):
    clock.set(NOW)
    clinician = auth.as_clinician()
    patient = enrol(auth, clinician, "Ada", calcium=0, vitamin_d=0)
    logged: list = []
    for step in steps:
        _apply(patient, step, logged)
    with app.app_context():
        pid = uuid.UUID(patient.id)
        assert _stored(pid) == _oracle(pid)
        # and the panel's stored row is what a full recomputation gives
        assert clinician.get(PANEL).status_code == 200
        before = _panel_row(pid)
        status.rebuild(db.session, clock.now())
        assert _panel_row(pid) == before


def _panel_row(patient_id) -> dict:
    db.session.expire_all()
    row = db.session.get(PanelStatus, patient_id)
    return {c.key: getattr(row, c.key) for c in PanelStatus.__table__.columns if c.key != "computed_at"}


@pytest.fixture
def clinic(auth, clock):
    clock.set(NOW)
    clinician = auth.as_clinician()
    return clinician, [enrol(auth, clinician, f"Patient {n}") for n in range(3)]


def _row(clinician, patient) -> dict:
    return next(r for r in clinician.get(PANEL).json["items"] if r["patient"]["id"] == patient.id)


def test_a_change_to_the_record_shows_at_the_next_read(clinic):
    clinician, (ada, *_) = clinic
    assert "BONE_AGENT_INDICATED" not in {f["code"] for f in _row(clinician, ada)["flags"]}
    body = {"performed_on": "2026-03-01", "lumbar_spine_t": -2.6}
    assert clinician.post(f"/api/v1/patients/{ada.id}/dxa/results", json=body).status_code == 201
    codes = {f["code"] for f in _row(clinician, ada)["flags"]}
    assert "BONE_AGENT_INDICATED" in codes


def test_a_row_is_recomputed_when_the_patients_day_turns(clinic, clock):
    clinician, (ada, *_) = clinic
    body = {"scheduled_for": "2026-03-20"}  # today, in London
    assert clinician.post(f"/api/v1/patients/{ada.id}/dxa/appointments", json=body).status_code == 201
    assert _row(clinician, ada)["next_dxa_appointment"]["scheduled_for"] == "2026-03-20"
    clock.set("2026-03-20T23:59:00Z")
    assert _row(clinician, ada)["next_dxa_appointment"] is not None
    clock.set("2026-03-21T00:01:00Z")  # her midnight has passed: the appointment is no longer ahead
    assert _row(clinician, ada)["next_dxa_appointment"] is None


def test_the_worker_keeps_rows_current_so_a_page_need_not(app, clinic, clock):
    clinician, (ada, *_) = clinic
    assert worker.run_panel(app, clock.now()) == 3
    assert worker.run_panel(app, clock.now()) == 0
    fresh = count_statements(app, lambda: clinician.get(PANEL))
    log_intake(ada, "2026-03-20T08:00:00Z", calcium=500)
    stale = count_statements(app, lambda: clinician.get(PANEL))
    assert stale > fresh  # the page recomputed Ada's row itself
    log_intake(ada, "2026-03-20T09:00:00Z", calcium=500)
    assert worker.run_panel(app, clock.now()) == 1
    assert count_statements(app, lambda: clinician.get(PANEL)) == fresh
    assert _row(clinician, ada)["adherence"]["calcium_pct"] == pytest.approx(100 * 2 / 13, abs=0.1)


@pytest.mark.parametrize(
    "query", ["", "?flag=BASELINE_DXA_MISSING", "?sort=adherence&limit=2", "?sort=name&window_days=90"]
)
def test_a_page_issues_the_same_statements_whatever_the_clinics_size(app, auth, clinic, clock, query):
    clinician, _ = clinic
    assert worker.run_panel(app, clock.now()) == 3
    few = count_statements(app, lambda: clinician.get(PANEL + query))
    for n in range(7):
        enrol(auth, clinician, f"Extra {n}")
    assert worker.run_panel(app, clock.now()) == 7
    many = count_statements(app, lambda: clinician.get(PANEL + query))
    assert few == many


def test_rebuild_restores_the_summaries_from_the_logs(app, clinic):
    clinician, (ada, bea, _) = clinic
    log_exercise(ada, "2026-03-19T10:00:00Z", "balance", 20)
    log_habits(bea, "2026-03-19", cigarettes=2, drinks=1)
    expected = clinician.get(PANEL + "?sort=name").json["items"]
    with app.app_context():
        before = {p.id: _stored(uuid.UUID(p.id)) for p in (ada, bea)}
        db.session.execute(PatientDay.__table__.delete())  # as after a bulk load that wrote logs only
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "rebuild"])
    assert result.exit_code == 0 and "rebuilt 5 daily summaries and 3 panel rows" in result.output
    with app.app_context():
        assert {p.id: _stored(uuid.UUID(p.id)) for p in (ada, bea)} == before
    assert clinician.get(PANEL + "?sort=name").json["items"] == expected
