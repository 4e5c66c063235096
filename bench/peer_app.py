"""The peer of `bench/http_bench.py`: the smallest honest Flask app with bonecare's semantics for POST intake, GET
today and GET adherence, on bonecare's migrated database (DATABASE_URL), under the same gunicorn settings.

Honest means: the bearer token is an HS256 JWT verified with the same secret and checked against a live session row
(not revoked, not lapsed, the account active); a patient reads and writes only her own record ("me" or her id,
else 404); an intake entry is validated, takes the patient's next sync version and is inserted once by its
client-made id (a retry with the same body answers the stored row with a 200, another body a 409); today's totals
come from one query; adherence over the 30 local days ending today is aggregated in SQL. What it leaves out:
marshmallow, flask-smorest, clinicians, access logs, rate limits and the OpenAPI spec.
"""

import hashlib
import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jwt
from flask import Flask, jsonify, request
from sqlalchemy import (
    Date,
    DateTime,
    TypeDecorator,
    Uuid,
    bindparam,
    create_engine,
    event,
    text,
)

app = Flask(__name__)
SECRET = os.environ["BONECARE_SECRET_KEY"]
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)  # bonecare's engine options
KINDS = ("endurance", "resistance", "balance", "flexibility")
DEFAULTS = {"calcium": (1000, 1200), "vitamin_d": (800, 1000)}


@event.listens_for(engine, "connect")
def _sqlite_pragmas(connection, _record):
    """bonecare's SQLite settings: WAL, foreign keys, a busy timeout."""
    if type(connection).__module__.startswith("sqlite3"):
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
            connection.execute(f"PRAGMA {pragma}")


class UTCDateTime(TypeDecorator):
    """An aware instant stored in UTC (naive on SQLite), as bonecare stores it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _typed(sql: str, **columns):
    binds = {"pid": Uuid, "sid": Uuid, "uid": Uuid, "id": Uuid, "now": UTCDateTime(), "taken_at": UTCDateTime()}
    binds |= {"created_at": UTCDateTime(), "day": Date, "week": Date, "first": Date, "local_date": Date}
    statement = text(sql)
    names = set(statement._bindparams)
    statement = statement.bindparams(*(bindparam(n, type_=t) for n, t in binds.items() if n in names))
    return statement.columns(**columns) if columns else statement


SESSION_USER = _typed(
    "SELECT users.id, users.role, users.timezone, users.created_at FROM users JOIN auth_sessions"
    " ON auth_sessions.user_id = users.id WHERE auth_sessions.id = :sid AND users.id = :uid"
    " AND auth_sessions.revoked_at IS NULL AND auth_sessions.expires_at > :now AND users.deactivated_at IS NULL",
    id=Uuid,
    created_at=UTCDateTime(),
)
STAMP = _typed("UPDATE users SET sync_clock = sync_clock + 1 WHERE id = :pid RETURNING sync_clock")
UNSTAMP = _typed("UPDATE users SET sync_clock = sync_clock - 1 WHERE id = :pid")
INTAKE_COLUMNS = {"id": Uuid, "taken_at": UTCDateTime(), "created_at": UTCDateTime(), "local_date": Date}
INSERT = _typed(
    "INSERT INTO intake (id, patient_id, local_date, taken_at, calcium_mg, vitamin_d_iu, source, product, note,"
    " utc_offset_min, created_at, updated_at, fingerprint, version) VALUES (:id, :pid, :local_date, :taken_at,"
    " :calcium_mg, :vitamin_d_iu, :source, :product, :note, :utc_offset_min, :created_at, :created_at,"
    " :fingerprint, :version) ON CONFLICT (id) DO NOTHING RETURNING *",
    **INTAKE_COLUMNS,
)
STORED = _typed("SELECT * FROM intake WHERE id = :id", **INTAKE_COLUMNS, patient_id=Uuid)


def _week_minutes(kind: str) -> str:
    return (
        f"(SELECT coalesce(sum(duration_min), 0) FROM exercise WHERE patient_id = :pid AND kind = '{kind}'"
        f" AND local_date BETWEEN :week AND :day AND deleted_at IS NULL) AS {kind}"
    )


def _intake_total(column: str) -> str:
    return (
        f"(SELECT coalesce(sum({column}), 0) FROM intake WHERE patient_id = :pid AND local_date = :day"
        f" AND deleted_at IS NULL) AS {column}"
    )


TODAY = _typed(
    "SELECT cp.calcium_mg_min, cp.calcium_mg_max, cp.vitamin_d_iu_min, cp.vitamin_d_iu_max, "
    + ", ".join([_intake_total("calcium_mg"), _intake_total("vitamin_d_iu"), *map(_week_minutes, KINDS)])
    + ", r.id AS r_id, r.kind AS r_kind, r.title AS r_title, r.due_at AS r_due_at,"
    " d.id AS d_id, d.scheduled_for AS d_day, d.location AS d_location"
    " FROM (SELECT 1 AS one) AS base LEFT JOIN care_plans cp ON cp.patient_id = :pid"
    " LEFT JOIN (SELECT id, kind, title, due_at FROM occurrences WHERE patient_id = :pid AND status = 'pending'"
    " AND due_at >= :now ORDER BY due_at LIMIT 1) r ON 1 = 1"
    " LEFT JOIN (SELECT id, scheduled_for, location FROM dxa_appointments WHERE patient_id = :pid"
    " AND scheduled_for >= :day AND deleted_at IS NULL ORDER BY scheduled_for LIMIT 1) d ON 1 = 1",
    r_id=Uuid,
    r_due_at=UTCDateTime(),
    d_id=Uuid,
    d_day=Date,
)
PLAN = _typed(
    "SELECT calcium_mg_min, calcium_mg_max, vitamin_d_iu_min, vitamin_d_iu_max, exercise_weekly,"
    " alcohol_drinks_per_week_max FROM care_plans WHERE patient_id = :pid"
)
DAILY_INTAKE = _typed(
    "SELECT count(CASE WHEN ca >= :ca_min THEN 1 END) AS ca_met, count(CASE WHEN ca > :ca_max THEN 1 END) AS ca_over,"
    " coalesce(sum(ca), 0) AS ca_total, count(CASE WHEN vd >= :vd_min THEN 1 END) AS vd_met,"
    " count(CASE WHEN vd > :vd_max THEN 1 END) AS vd_over, coalesce(sum(vd), 0) AS vd_total, max(at) AS at"
    " FROM (SELECT sum(calcium_mg) AS ca, sum(vitamin_d_iu) AS vd, max(created_at) AS at FROM intake"
    " WHERE patient_id = :pid AND local_date BETWEEN :first AND :day AND deleted_at IS NULL GROUP BY local_date) t",
    at=UTCDateTime(),
)
EXERCISE = _typed(
    "SELECT local_date, kind, sum(duration_min), count(*) FROM exercise WHERE patient_id = :pid"
    " AND local_date BETWEEN :first AND :day AND deleted_at IS NULL GROUP BY local_date, kind",
    local_date=Date,
)
HABITS = _typed(
    "SELECT coalesce(sum(alcohol_drinks), 0), coalesce(sum(cigarettes), 0),"
    " count(CASE WHEN cigarettes > 0 THEN 1 END) FROM habit_days"
    " WHERE patient_id = :pid AND local_date BETWEEN :first AND :day AND deleted_at IS NULL"
)
DAYS = _typed(
    "SELECT DISTINCT local_date FROM (SELECT local_date FROM intake WHERE patient_id = :pid AND deleted_at IS NULL"
    " UNION ALL SELECT local_date FROM exercise WHERE patient_id = :pid AND deleted_at IS NULL"
    " UNION ALL SELECT local_date FROM habit_days WHERE patient_id = :pid AND deleted_at IS NULL) t"
    " WHERE local_date <= :day ORDER BY local_date DESC",
    local_date=Date,
)


def problem(status: int, kind: str):
    """A problem+json answer."""
    body = {"type": f"https://bonecare.example/problems/{kind}", "status": status}
    return app.response_class(json.dumps(body), status, mimetype="application/problem+json")


@app.after_request
def _headers(response):
    """bonecare's security headers."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


def _patient(conn, pid: str, now: datetime):
    """The signed-in patient, if the token is valid, her session live and pid her record; else a problem."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not token:
        return None, problem(401, "token-missing")
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        if claims.get("type") != "access":
            raise jwt.InvalidTokenError
        params = {"sid": uuid.UUID(claims["sid"]), "uid": uuid.UUID(claims["sub"]), "now": now}
    except jwt.ExpiredSignatureError:
        return None, problem(401, "token-expired")
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return None, problem(401, "token-invalid")
    user = conn.execute(SESSION_USER, params).one_or_none()
    if user is None:
        return None, problem(401, "session-revoked")
    if user.role != "patient" or pid not in ("me", str(user.id)):
        return None, problem(404, "not-found")
    return user, None


@app.get("/healthz")
def healthz():
    """Liveness, as bonecare's."""
    return jsonify(status="ok")


def _number(body: dict, key: str, maximum: float) -> float:
    value = body.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= maximum:
        raise ValueError(key)
    return float(value)


def _entry(body: dict, patient, now: datetime) -> dict:
    """The row to insert, from a validated body."""
    if not isinstance(body, dict) or set(body) - {"id", "taken_at", "calcium_mg", "vitamin_d_iu", "source", "note"}:
        raise ValueError("body")
    taken_at = datetime.fromisoformat(body["taken_at"])
    if taken_at.tzinfo is None or taken_at > now + timedelta(minutes=5) or body.get("source") not in DIET_OR_PILL:
        raise ValueError("taken_at")
    calcium, vitamin_d = _number(body, "calcium_mg", 5000), _number(body, "vitamin_d_iu", 100_000)
    if not (calcium > 0 or vitamin_d > 0):
        raise ValueError("calcium_mg")
    offset = taken_at.utcoffset()
    stated = None if body["taken_at"].endswith("Z") else int(offset.total_seconds() // 60)
    local = (taken_at + offset).date() if stated is not None else taken_at.astimezone(ZoneInfo(patient.timezone))
    plain = {"taken_at": taken_at.astimezone(UTC).isoformat(), "calcium_mg": calcium, "vitamin_d_iu": vitamin_d}
    plain |= {"source": body["source"], "note": body.get("note")}
    return {
        **plain,
        "id": uuid.UUID(body["id"]) if body.get("id") else uuid.uuid4(),
        "pid": patient.id,
        "taken_at": taken_at,
        "local_date": local if isinstance(local, date) and not isinstance(local, datetime) else local.date(),
        "product": None,
        "utc_offset_min": stated,
        "created_at": now,
        "fingerprint": hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest(),
    }


DIET_OR_PILL = ("supplement", "diet")


def _intake_out(row) -> dict:
    keys = ("calcium_mg", "vitamin_d_iu", "source", "product", "note", "utc_offset_min", "version")
    out = {key: getattr(row, key) for key in keys} | {"calcium_mg": float(row.calcium_mg)}
    out["vitamin_d_iu"] = float(row.vitamin_d_iu)
    out |= {"id": str(row.id), "local_date": row.local_date.isoformat(), "deleted_at": None}
    return out | {"taken_at": _instant(row.taken_at), "created_at": _instant(row.created_at)}


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@app.post("/api/v1/patients/<pid>/intake")
def post_intake(pid):
    """Log intake once by its client-made id: 201, a retry 200, another body under the same id 409."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        patient, error = _patient(conn, pid, now)
        if error:
            return error
        try:
            entry = _entry(request.get_json(), patient, now)
        except (ValueError, KeyError, TypeError):
            return problem(422, "invalid")
        entry["version"] = conn.execute(STAMP, {"pid": patient.id}).scalar_one()
        row = conn.execute(INSERT, entry).one_or_none()
        if row is not None:
            return jsonify(_intake_out(row)), 201
        conn.execute(UNSTAMP, {"pid": patient.id})
        stored = conn.execute(STORED, {"id": entry["id"]}).one_or_none()
        if stored is None or stored.patient_id != patient.id or stored.fingerprint != entry["fingerprint"]:
            return problem(409, "conflict")
        return jsonify(_intake_out(stored)), 200


def _progress(total, low, high, key: str) -> dict:
    return {key: float(total), "target_min": low, "target_max": high, "met": total >= low}


@app.get("/api/v1/patients/<pid>/today")
def get_today(pid):
    """Today's totals against the targets, this week's exercise minutes, the next reminder and DXA: one query."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        patient, error = _patient(conn, pid, now)
        if error:
            return error
        day = now.astimezone(ZoneInfo(patient.timezone)).date()
        params = {"pid": patient.id, "day": day, "week": day - timedelta(days=day.weekday()), "now": now}
        r = conn.execute(TODAY, params).one()
    calcium = (r.calcium_mg_min, r.calcium_mg_max) if r.calcium_mg_min is not None else DEFAULTS["calcium"]
    vitamin_d = (r.vitamin_d_iu_min, r.vitamin_d_iu_max) if r.vitamin_d_iu_min is not None else DEFAULTS["vitamin_d"]
    reminder = r.r_id and {
        "id": str(r.r_id),
        "kind": r.r_kind,
        "title": r.r_title,
        "scheduled_for": _instant(r.r_due_at),
    }
    dxa = r.d_id and {"id": str(r.d_id), "scheduled_for": r.d_day.isoformat(), "location": r.d_location}
    return jsonify(
        {
            "date": day.isoformat(),
            "calcium": _progress(r.calcium_mg, *calcium, "total_mg"),
            "vitamin_d": _progress(r.vitamin_d_iu, *vitamin_d, "total_iu"),
            "exercise_week": {kind: int(getattr(r, kind)) for kind in KINDS},
            "next_reminder": reminder or None,
            "next_dxa_appointment": dxa or None,
        }
    )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _streak(days: list[date], today: date) -> int:
    logged, day, length = set(days), today if today in days else today - timedelta(days=1), 0
    while day in logged:
        length, day = length + 1, day - timedelta(days=1)
    return length


@app.get("/api/v1/patients/<pid>/adherence")
def get_adherence(pid):
    """Adherence over the 30 local days ending today: intake days met, exercise weeks, habits, logging streak."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        patient, error = _patient(conn, pid, now)
        if error:
            return error
        day = now.astimezone(ZoneInfo(patient.timezone)).date()
        days = [row.local_date for row in conn.execute(DAYS, {"pid": patient.id, "day": day})]
        registered = patient.created_at.astimezone(ZoneInfo(patient.timezone)).date()
        first = max(day - timedelta(days=29), min(registered, *days[-1:]))  # she may log days before she registered
        plan = conn.execute(PLAN, {"pid": patient.id}).one_or_none()
        ca, vd = (plan[0:2], plan[2:4]) if plan else (DEFAULTS["calcium"], DEFAULTS["vitamin_d"])
        limit = plan[5] if plan else 7
        params = {"pid": patient.id, "first": first, "day": day}
        limits = {"ca_min": ca[0], "ca_max": ca[1], "vd_min": vd[0], "vd_max": vd[1]}
        intake = conn.execute(DAILY_INTAKE, params | limits).one()
        exercise = conn.execute(EXERCISE, params).all()
        drinks, cigarettes, smoked = conn.execute(HABITS, params).one()
    length = (day - first).days + 1
    weeks: dict = {}
    for local_date, kind, minutes, sessions in exercise:
        monday = (local_date - timedelta(days=local_date.weekday())).isoformat()
        done = weeks.setdefault(monday, {k: [0, 0] for k in KINDS})
        done[kind] = [done[kind][0] + int(minutes), done[kind][1] + int(sessions)]
    return jsonify(
        {
            "from": first.isoformat(),
            "to": day.isoformat(),
            "days": length,
            "calcium": {"days": length, "days_met": intake.ca_met, "pct": _pct(intake.ca_met, length)}
            | {"mean_mg_per_day": round(intake.ca_total / length, 1), "days_over_upper_limit": intake.ca_over},
            "vitamin_d": {"days": length, "days_met": intake.vd_met, "pct": _pct(intake.vd_met, length)}
            | {"mean_iu_per_day": round(intake.vd_total / length, 1), "days_over_upper_limit": intake.vd_over},
            "exercise": {"weeks": [{"week_start": w, "minutes_sessions": k} for w, k in sorted(weeks.items())]},
            "alcohol": {"drinks_per_week_mean": round(drinks * 7 / length, 1), "limit_per_week": limit},
            "smoking": {"days_smoked": smoked, "cigarettes_total": cigarettes},
            "logging": {
                "days_with_any_log": sum(1 for d in days if d >= first),
                "current_streak_days": _streak(days, day),
                "last_logged_at": _instant(intake.at),
            },
        }
    )
