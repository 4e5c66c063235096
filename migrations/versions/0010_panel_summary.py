"""the panel's summaries: `patient_days` (each patient's logs summed per local day, filled here from the logs)
and `panel_status` + `panel_flags` (each patient's panel row, computed by the app: empty here, filled by the first
panel read, the worker's pass or `flask panel rebuild`); `users.summary_clock`, the sync clock a patient's panel row
was computed at, with a partial index of the patients whose row is due

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 01:32:36

"""

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "panel_status",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("valid_until", bonecare.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_at", bonecare.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sort_name", sa.String(length=100), nullable=False),
        sa.Column("severity_key", sa.Integer(), nullable=False),
        sa.Column("score_asc", sa.Float(), nullable=False),
        sa.Column("score_desc", sa.Float(), nullable=False),
        sa.Column("dxa_key", sa.Date(), nullable=False),
        sa.Column("adherence", sa.JSON(), nullable=False),
        sa.Column("next_dxa_id", sa.Uuid(), nullable=True),
        sa.Column("next_dxa_on", sa.Date(), nullable=True),
        sa.Column("next_dxa_location", sa.String(length=200), nullable=True),
        sa.Column("next_dxa_due", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"], name=op.f("fk_panel_status_patient_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_panel_status")),
    )
    with op.batch_alter_table("panel_status", schema=None) as batch_op:
        batch_op.create_index("ix_panel_status_by_dxa_key", ["dxa_key", "sort_name", "patient_id"], unique=False)
        batch_op.create_index("ix_panel_status_by_name", ["sort_name", "patient_id"], unique=False)
        batch_op.create_index("ix_panel_status_by_score_asc", ["score_asc", "sort_name", "patient_id"], unique=False)
        batch_op.create_index("ix_panel_status_by_score_desc", ["score_desc", "sort_name", "patient_id"], unique=False)
        batch_op.create_index(
            "ix_panel_status_by_severity_key", ["severity_key", "sort_name", "patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_panel_status_valid_until"), ["valid_until"], unique=False)

    op.create_table(
        "patient_days",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("intakes", sa.Integer(), nullable=False),
        sa.Column("calcium_mg", sa.Float(), nullable=False),
        sa.Column("vitamin_d_iu", sa.Float(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("balance_min", sa.Integer(), nullable=False),
        sa.Column("balance_sessions", sa.Integer(), nullable=False),
        sa.Column("flexibility_min", sa.Integer(), nullable=False),
        sa.Column("flexibility_sessions", sa.Integer(), nullable=False),
        sa.Column("endurance_min", sa.Integer(), nullable=False),
        sa.Column("endurance_sessions", sa.Integer(), nullable=False),
        sa.Column("resistance_min", sa.Integer(), nullable=False),
        sa.Column("resistance_sessions", sa.Integer(), nullable=False),
        sa.Column("habits", sa.Integer(), nullable=False),
        sa.Column("drinks", sa.Float(), nullable=False),
        sa.Column("cigarettes", sa.Integer(), nullable=False),
        sa.Column("logged_at", bonecare.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"], name=op.f("fk_patient_days_patient_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("patient_id", "local_date", name=op.f("pk_patient_days")),
    )
    op.create_table(
        "panel_flags",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["panel_status.patient_id"],
            name=op.f("fk_panel_flags_patient_id_panel_status"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", "code", name=op.f("pk_panel_flags")),
    )
    with op.batch_alter_table("panel_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_flags_code"), ["code"], unique=False)

    # In place, never in batch mode: rebuilding `users` on SQLite would cascade its deletion into every record.
    op.add_column("users", sa.Column("summary_clock", sa.Integer(), nullable=True))
    op.create_index("ix_users_summary_due", "users", ["id"], postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))
    op.execute(FILL_DAYS)


DUE = "role = 'patient' AND (summary_clock IS NULL OR summary_clock <> sync_clock)"


# The summed columns; the migration spells its own SQL (later code may change, this revision may not).
KINDS = ("balance", "flexibility", "endurance", "resistance")
BY_KIND = [f"{kind}_{part}" for kind in KINDS for part in ("min", "sessions")]
COLUMNS = ["intakes", "calcium_mg", "vitamin_d_iu", "sessions", *BY_KIND, "habits", "drinks", "cigarettes"]
_EXERCISE = ", ".join(
    f"CASE WHEN kind = '{k}' THEN duration_min ELSE 0 END, CASE WHEN kind = '{k}' THEN 1 ELSE 0 END" for k in KINDS
)
_NONE = ", ".join("0" for _ in BY_KIND)
FILL_DAYS = f"""
INSERT INTO patient_days (patient_id, local_date, {", ".join(COLUMNS)}, logged_at)
SELECT patient_id, local_date, {", ".join(f"SUM({c})" for c in COLUMNS)}, MAX(logged_at) FROM (
    SELECT patient_id, local_date, 1 AS intakes, calcium_mg, vitamin_d_iu, 0 AS sessions,
        {", ".join(f"0 AS {c}" for c in BY_KIND)}, 0 AS habits, 0.0 AS drinks, 0 AS cigarettes, created_at AS logged_at
    FROM intake WHERE deleted_at IS NULL
    UNION ALL
    SELECT patient_id, local_date, 0, 0.0, 0.0, 1, {_EXERCISE}, 0, 0.0, 0, created_at
    FROM exercise WHERE deleted_at IS NULL
    UNION ALL
    SELECT patient_id, local_date, 0, 0.0, 0.0, 0, {_NONE}, 1, alcohol_drinks, cigarettes, updated_at
    FROM habit_days WHERE deleted_at IS NULL
) AS entries
GROUP BY patient_id, local_date
"""


def downgrade():
    op.drop_index("ix_users_summary_due", table_name="users")
    op.drop_column("users", "summary_clock")

    with op.batch_alter_table("panel_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_flags_code"))

    op.drop_table("panel_flags")
    op.drop_table("patient_days")
    with op.batch_alter_table("panel_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_status_valid_until"))
        batch_op.drop_index("ix_panel_status_by_severity_key")
        batch_op.drop_index("ix_panel_status_by_score_desc")
        batch_op.drop_index("ix_panel_status_by_score_asc")
        batch_op.drop_index("ix_panel_status_by_name")
        batch_op.drop_index("ix_panel_status_by_dxa_key")

    op.drop_table("panel_status")
