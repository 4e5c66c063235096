"""/clinic/… — the clinician's pages: sign-in, the panel, a patient's page and its forms. Every page calls the
API's use cases (so the access policy and the access log are the API's) and loads nothing from another origin."""

import uuid

import marshmallow as ma
from flask import Blueprint, Flask, Response, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from bonecare import clock
from bonecare.accounts.routes import account_key
from bonecare.careplan import service as careplan
from bonecare.careplan.schemas import CarePlanIn
from bonecare.clinic import charts, signin
from bonecare.clinic.forms import load, messages
from bonecare.clinician import service as clinician
from bonecare.clinician.csv_export import as_csv
from bonecare.clinician.schemas import SORTS, PanelQuery
from bonecare.dxa import service as dxa
from bonecare.dxa.schemas import AppointmentIn, AppointmentPatch, LabIn, ResultIn
from bonecare.errors import DomainError
from bonecare.extensions import configured_limit, db, limiter
from bonecare.guidance.facts import AGENTS
from bonecare.guidance.wording import FLAG_CODES
from bonecare.report import service as report
from bonecare.treatments import service as treatments
from bonecare.treatments.schemas import TreatmentIn

bp = Blueprint("clinic", __name__, url_prefix="/clinic", static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
PERIODS = (30, 90, 365)
_OPEN = {"clinic.login", "clinic.static"}

APPOINTMENT_FIELDS = ("scheduled_for", "location", "note", "override_reason")
RESULT_FIELDS = (
    "performed_on",
    "lumbar_spine_t",
    "total_hip_t",
    "femoral_neck_t",
    "frax_major_pct",
    "frax_hip_pct",
    "vertebral_fractures",
)
LAB_FIELDS = ("measured_on", "value", "unit")
TREATMENT_FIELDS = ("agent", "started_on", "stopped_on", "last_dose_on", "note")
PLAN_FIELDS = (
    "calcium_mg_min",
    "calcium_mg_max",
    "vitamin_d_iu_min",
    "vitamin_d_iu_max",
    "alcohol_drinks_per_week_max",
    "ceiling_reason",
    "exemestane_started_on",
    "exemestane_stopped_on",
)


def init_app(app: Flask) -> None:
    """The pages, their cookie and their CSRF check (on the clinic's forms only: the API takes bearer tokens)."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lives as long as the signed-in session
    signin.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(bp)


@bp.before_request
def _guard():
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in _OPEN:
        return None
    g.clinician = signin.signed_in_user()
    if g.clinician is None:
        return redirect(url_for("clinic.login"))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    if request.endpoint != "clinic.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
def _csrf(error: CSRFError):
    return render_template("clinic/error.html", title="Form expired", detail=error.description), 400


@bp.errorhandler(DomainError)
def _domain(error: DomainError):
    return render_template("clinic/error.html", title=error.title, detail=error.detail), error.status


def _account() -> str:
    """The account a sign-in names, keyed as the API's login keys it: the wrong passwords of both count together."""
    return account_key(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("BONECARE_AUTH_RATE_LIMIT"), methods=["POST"])
@limiter.limit(
    configured_limit("BONECARE_LOGIN_ACCOUNT_RATE_LIMIT"),
    methods=["POST"],
    key_func=_account,
    scope="login-account",
    deduct_when=lambda response: response.status_code == 401,
)
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            signin.sign_in(request.form.get("email", ""), request.form.get("password", ""))
            return redirect(url_for("clinic.panel"))
        except DomainError as exc:
            error, status = exc.detail, exc.status
    return render_template("clinic/login.html", error=error, email=request.form.get("email", "")), status


@bp.post("/logout")
def logout():
    signin.sign_out()
    flash("You are signed out.")
    return redirect(url_for("clinic.login"))


def _panel_query() -> tuple[dict, dict]:
    """The panel's query from the page's address, through the API's schema; a bad part falls back to its default."""
    args = {k: v for k, v in request.args.items() if v and k in PanelQuery().fields}
    try:
        return PanelQuery().load(args), {}
    except ma.ValidationError as error:  # shown above the table
        return PanelQuery().load({}), messages(error.messages)


@bp.get("/")
def panel():
    query, errors = _panel_query()
    page = clinician.panel(db.session, g.clinician, query, clock.now())
    shown = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "clinic/panel.html",
        page=page,
        query=query,
        errors=errors,
        sorts=SORTS,
        sort_url=lambda sort: url_for("clinic.panel", **{**shown, "sort": sort}),
        flags=FLAG_CODES,
        next_url=url_for("clinic.panel", **shown, cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_url=url_for("clinic.panel", **shown) if query.get("cursor") else None,
        csv_url=url_for("clinic.panel_csv", **{k: v for k, v in request.args.items() if v}),
    )


@bp.get("/panel.csv")
def panel_csv():
    """The page's rows as the API's CSV."""
    query, _ = _panel_query()
    response = Response(as_csv(clinician.panel(db.session, g.clinician, query, clock.now())), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="panel.csv"'
    return response


def _days() -> int:
    days = request.args.get("days", "90")
    return int(days) if days in {str(p) for p in PERIODS} else 90


def _patient_page(pid: str, form: str | None = None, errors: dict | None = None, status: int = 200):
    """The patient's page; after a refused form, that form again with the messages beside its fields."""
    now, days = clock.now(), _days()
    data = report.gather(db.session, g.clinician, pid, {"days": days}, now)
    first, today = data.first, data.last
    plan = data.plan  # the report's read of her care plan, its version included: no second read
    appointments = dxa.appointments.list_(db.session, g.clinician, pid, {"limit": 20}, now)["items"]
    intake = data.daily
    calcium = {d: v[0] for d, v in intake.items()}
    vitamin_d = {d: v[1] for d, v in intake.items()}
    return render_template(
        "clinic/patient.html",
        pid=pid,
        data=data,
        days=days,
        periods=PERIODS,
        plan=plan,
        appointments=[a for a in appointments if a.scheduled_for >= today],
        calcium=charts.daily(first, today, calcium, (plan["calcium_mg_min"], plan["calcium_mg_max"]), "mg"),
        vitamin_d=charts.daily(first, today, vitamin_d, (plan["vitamin_d_iu_min"], plan["vitamin_d_iu_max"]), "IU"),
        exercise=charts.exercise(data.summary["exercise"]["weeks"]),
        habits=charts.habits(data.habits, first, today),
        t_scores=charts.t_scores(data.results),
        sites=charts.SITES,
        agents=AGENTS,
        today=today,
        form=form,
        errors=errors or {},
        values=request.form if form else {},
    ), status


@bp.get("/patients/<pid>")
def patient(pid):
    return _patient_page(pid)


@bp.get("/patients/<pid>/report.pdf")
def patient_report(pid):
    """The API's one-page PDF of the period the page shows, for a browser signed in with its cookie."""
    pdf = report.report(db.session, g.clinician, pid, {"days": _days()}, clock.now())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="bone-health-report.pdf"'
    return response


def _submit(pid: str, form: str, schema, names: tuple, action, done: str, partial: bool = False, extra=None):
    """Load the form through the API's schema, run the use case; refused, the page again with the messages."""
    data, errors = load(schema, request.form, names, partial=partial, extra=extra)
    if data is not None:
        try:
            action(data)
        except DomainError as error:
            if error.status >= 500 or error.status in (401, 403, 404):
                raise
            errors = messages(error)
    if errors:
        return _patient_page(pid, form, errors, 422)
    flash(done)
    return redirect(url_for("clinic.patient", pid=pid, days=request.args.get("days")))


def _version() -> int | None:
    version = request.form.get("version", "")
    return int(version) if version.isdigit() else None


# The forms that create a record: name -> (the API's schema, its fields on the form, the use case, what is said)
CREATES = {
    "book": (AppointmentIn, APPOINTMENT_FIELDS, dxa.book, "DXA appointment booked."),
    "result": (ResultIn, RESULT_FIELDS, dxa.results.create, "DXA result recorded."),
    "lab": (LabIn, LAB_FIELDS, dxa.labs.create, "Vitamin D level recorded."),
    "treatment": (TreatmentIn, TREATMENT_FIELDS, treatments.start, "Treatment recorded."),
}


@bp.post("/patients/<pid>/new/<any(book, result, lab, treatment):form>")
def create(pid, form):
    schema, fields, use_case, done = CREATES[form]
    return _submit(
        pid, form, schema(), fields, lambda data: use_case(db.session, g.clinician, pid, data, clock.now()), done
    )


@bp.post("/patients/<pid>/appointments/<uuid:appointment_id>")
def appointment(pid, appointment_id: uuid.UUID):
    if request.form.get("action") == "cancel":
        dxa.appointments.delete(db.session, g.clinician, pid, appointment_id, _version(), clock.now())
        flash("DXA appointment cancelled.")
        return redirect(url_for("clinic.patient", pid=pid, days=request.args.get("days")))

    def action(changes):
        dxa.change(db.session, g.clinician, pid, appointment_id, changes, _version(), clock.now())

    fields = ("scheduled_for", "override_reason")
    return _submit(pid, f"move-{appointment_id}", AppointmentPatch(), fields, action, "Appointment moved.", True)


@bp.post("/patients/<pid>/careplan")
def plan(pid):
    exercise_weekly = careplan.get(db.session, g.clinician, pid, clock.now())["exercise_weekly"]

    def action(data):
        careplan.put(db.session, g.clinician, pid, data, _version(), clock.now())

    extra = {"exercise_weekly": exercise_weekly}
    return _submit(pid, "plan", CarePlanIn(), PLAN_FIELDS, action, "Care plan saved.", extra=extra)
