"""Migrations: one head, and the models agree with what the migrations build."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect as sa_inspect

from bonecare.extensions import db


def _script(app):
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_one_head(app, ctx):
    assert len(_script(app).get_heads()) == 1


def test_models_match_migrations(app, ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_database_is_at_head(app, ctx):
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert set(current) == set(_script(app).get_heads())


def _old_app(tmp_path):
    """An app on a SQLite file of its own, to be migrated step by step."""
    from bonecare import create_app

    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
            "SECRET_KEY": "k" * 40,
            "JWT_SECRET_KEY": "k" * 40,
        }
    )


def _old_patient(conn, timezone: str = "UTC") -> None:
    """Patient ...0a, as an old revision stored her."""
    from sqlalchemy import text

    conn.execute(
        text(
            "INSERT INTO users (id, email, password_hash, role, display_name, timezone, created_at) VALUES "
            "('0000000000000000000000000000000a', 'p@example.org', 'h', 'patient', 'P', :tz, '2026-01-01 00:00:00')"
        ),
        {"tz": timezone},
    )


def test_the_clinical_records_revision_keeps_existing_labs_and_plans(tmp_path):
    """Records stored before revision 0002 survive it: labs gain their unit, plans and results their new fields."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = _old_app(tmp_path)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            _old_patient(conn)
            conn.execute(
                text(
                    "INSERT INTO vitamin_d_labs (id, patient_id, measured_on, vitamin_d_25oh_ng_ml, "
                    "created_at) VALUES ('0000000000000000000000000000000b', "
                    "'0000000000000000000000000000000a', '2026-01-02', 18.5, '2026-01-02 00:00:00.000000')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO care_plans (patient_id, calcium_mg_min, calcium_mg_max, vitamin_d_iu_min, "
                    "vitamin_d_iu_max, exercise_weekly, alcohol_drinks_per_week_max, updated_at) VALUES "
                    "('0000000000000000000000000000000a', 1000, 1200, 800, 1000, '{}', 7, "
                    "'2026-01-02 00:00:00.000000')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            lab = conn.execute(text("SELECT value, unit, vitamin_d_25oh_ng_ml FROM vitamin_d_labs")).one()
            plan = conn.execute(
                text("SELECT calcium_mg_max, exemestane_started_on, ceiling_reason FROM care_plans")
            ).one()
        assert tuple(lab) == (18.5, "ng/mL", 18.5)
        assert tuple(plan) == (1200, None, None)
        downgrade(revision="0001")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT vitamin_d_25oh_ng_ml FROM vitamin_d_labs")).scalar_one() == 18.5
        db.engine.dispose()


def test_the_stated_offset_revision_keeps_existing_entries_with_no_offset(tmp_path):
    """Entries stored before revision 0004 survive it and its downgrade, with no offset stated (NULL)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = _old_app(tmp_path)
    entry = "'0000000000000000000000000000000a', '2026-01-02', '2026-01-02 00:00:00.000000', 'f'"
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as conn:
            _old_patient(conn, "Europe/Lisbon")
            conn.execute(
                text(
                    "INSERT INTO intake (id, patient_id, local_date, created_at, fingerprint, taken_at, calcium_mg, "
                    f"vitamin_d_iu, source) VALUES ('0000000000000000000000000000000b', {entry}, "
                    "'2026-01-02 08:00:00.000000', 500, 0, 'diet')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO exercise (id, patient_id, local_date, created_at, fingerprint, started_at, "
                    f"duration_min, kind) VALUES ('0000000000000000000000000000000c', {entry}, "
                    "'2026-01-02 08:00:00.000000', 30, 'balance')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            intake = conn.execute(text("SELECT calcium_mg, utc_offset_min FROM intake")).one()
            exercise = conn.execute(text("SELECT duration_min, utc_offset_min FROM exercise")).one()
        assert (tuple(intake), tuple(exercise)) == ((500, None), (30, None))
        downgrade(revision="0003")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT calcium_mg FROM intake")).scalar_one() == 500
            assert conn.execute(text("SELECT duration_min FROM exercise")).scalar_one() == 30
            columns = {c["name"] for c in sa_inspect(conn).get_columns("intake")}
        assert "utc_offset_min" not in columns
        db.engine.dispose()


def test_the_device_installs_revision_folds_twin_targets_into_the_newest(tmp_path):
    """Devices stored before revision 0006 survive it, one per target: the twins that concurrent registrations made
    are folded into the newest active one, and a later registration of the same token finds it."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from bonecare.reminders.models import target_hash

    app = _old_app(tmp_path)
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            _old_patient(conn)
            for n, (token, active, day) in enumerate([("twin", 1, 1), ("twin", 1, 3), ("twin", 0, 4), ("solo", 1, 2)]):
                conn.execute(
                    text(
                        "INSERT INTO devices (id, patient_id, platform, token, active, created_at) VALUES "
                        f"('0000000000000000000000000000010{n}', '0000000000000000000000000000000a', 'fcm', "
                        f"'{token}', {active}, '2026-01-0{day} 00:00:00.000000')"
                    )
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, token, target_hash FROM devices ORDER BY token")).all()
        assert [(r.id, r.token) for r in rows] == [
            ("00000000000000000000000000000103", "solo"),
            ("00000000000000000000000000000101", "twin"),  # the newest of the active twins
        ]
        assert rows[1].target_hash == target_hash("fcm", "twin")  # as the app computes it
        downgrade(revision="0005")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM devices")).scalar_one() == 2
        db.engine.dispose()


def test_the_sessions_and_resets_revision_keeps_existing_sessions_and_downgrades_cleanly(tmp_path):
    """Sessions stored before revision 0008 survive it, with no user agent or last use yet, and their accounts stay
    active; going back to 0007 drops the reset tables and columns and keeps the sessions."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = _old_app(tmp_path)
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            _old_patient(conn)
            conn.execute(
                text(
                    "INSERT INTO auth_sessions (id, user_id, refresh_jti, created_at, expires_at) VALUES "
                    "('0000000000000000000000000000000c', '0000000000000000000000000000000a', 'jti', "
                    "'2026-01-01 00:00:00.000000', '2026-01-31 00:00:00.000000')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT last_used_at, user_agent FROM auth_sessions")).one()
            assert tuple(row) == (None, None)
            assert conn.execute(text("SELECT deactivated_at FROM users")).scalar_one() is None
        downgrade(revision="0007")
        tables = set(sa_inspect(db.engine).get_table_names())
        assert {"password_resets", "password_reset_requests"} & tables == set()
        assert "deactivated_at" not in {c["name"] for c in sa_inspect(db.engine).get_columns("users")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM auth_sessions")).scalar_one() == 1
        db.engine.dispose()


def test_the_panel_summary_revision_sums_existing_logs_per_day_and_downgrades_cleanly(tmp_path):
    """Logs stored before revision 0010 are in its daily summaries at once, summed per day (tombstones left out);
    the downgrade removes the summaries' tables."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = _old_app(tmp_path)
    day, at = "'2026-01-02'", "'2026-01-02 08:00:00.000000'"
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            _old_patient(conn)
            for n, (calcium, deleted) in enumerate(((600, "NULL"), (500, "NULL"), (900, at))):
                conn.execute(
                    text(
                        "INSERT INTO intake (id, patient_id, local_date, created_at, deleted_at, fingerprint, "
                        f"taken_at, calcium_mg, vitamin_d_iu, source) VALUES ('{n:032x}', "
                        f"'0000000000000000000000000000000a', {day}, {at}, {deleted}, 'f', {at}, {calcium}, 400, "
                        "'diet')"
                    )
                )
            conn.execute(
                text(
                    "INSERT INTO exercise (id, patient_id, local_date, created_at, fingerprint, started_at, "
                    f"duration_min, kind) VALUES ('{9:032x}', '0000000000000000000000000000000a', {day}, {at}, 'f', "
                    f"{at}, 30, 'resistance')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO habit_days (id, patient_id, local_date, cigarettes, alcohol_drinks, updated_at) "
                    f"VALUES ('{10:032x}', '0000000000000000000000000000000a', '2026-01-03', 2, 1.5, {at})"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT local_date, intakes, calcium_mg, vitamin_d_iu, sessions, resistance_min, "
                    "resistance_sessions, balance_min, habits, drinks, cigarettes FROM patient_days ORDER BY 1"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("2026-01-02", 2, 1100.0, 800.0, 1, 30, 1, 0, 0, 0.0, 0),
            ("2026-01-03", 0, 0.0, 0.0, 0, 0, 0, 0, 1, 1.5, 2),
        ]
        downgrade(revision="0009")
        with db.engine.connect() as conn:
            tables = set(sa_inspect(conn).get_table_names())
        assert not tables & {"patient_days", "panel_status", "panel_flags"}
        db.engine.dispose()


def test_the_planned_rules_revision_leaves_existing_rules_for_the_first_pass_to_plan_once(tmp_path):
    """Rules stored before revision 0011 come out of it unplanned, so the first periodic pass plans each of them
    (and the next one none); going back to 0010 keeps them and their occurrences."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from bonecare.reminders.planner import plan

    app = _old_app(tmp_path)
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            _old_patient(conn, "Europe/Paris")
            conn.execute(
                text(
                    "INSERT INTO reminders (id, patient_id, kind, time_of_day, days_of_week, enabled, skip_if_done, "
                    "created_at, updated_at, version) VALUES ('0000000000000000000000000000000b', "
                    "'0000000000000000000000000000000a', 'supplement', '08:00', 'mon,tue,wed,thu,fri,sat,sun', 1, "
                    "1, '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 0)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text("SELECT replan_at, planned_zone FROM reminders")).one()) == (None, None)
        now = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
        assert plan(db.session, now)["rules"] == 1
        db.session.commit()
        assert plan(db.session, now)["rules"] == 0
        db.session.commit()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT planned_zone FROM reminders")).scalar_one() == "Europe/Paris"
            assert conn.execute(text("SELECT count(*) FROM occurrences")).scalar_one() == 3
        db.session.remove()
        downgrade(revision="0010")
        with db.engine.connect() as conn:
            assert "replan_at" not in {c["name"] for c in sa_inspect(conn).get_columns("reminders")}
            assert (
                conn.execute(text("SELECT count(*) FROM occurrences WHERE reminder_id IS NOT NULL")).scalar_one() == 3
            )
        db.engine.dispose()
