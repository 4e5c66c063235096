"""sync versions: every record a phone syncs carries `version` (its patient's change counter when it last changed)
and `updated_at`; a patient's `sync_clock` is the counter, `sync_floor` the newest pruned tombstone's version;
devices keep tombstones too (their target cleared, so the same token can be registered again)

Existing records are numbered 1, 2, … per patient in the order they were made, so a first sync pages through
them in a stable order; records that had no `updated_at` take their `created_at`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00

"""

from collections import defaultdict

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table -> (the column naming its patient, the column the existing rows are numbered by)
TABLES = {
    "users": ("id", "created_at"),
    "intake": ("patient_id", "created_at"),
    "exercise": ("patient_id", "created_at"),
    "habit_days": ("patient_id", "updated_at"),
    "reminders": ("patient_id", "created_at"),
    "devices": ("patient_id", "created_at"),
    "care_plans": ("patient_id", "updated_at"),
    "dxa_appointments": ("patient_id", "created_at"),
    "dxa_results": ("patient_id", "created_at"),
    "vitamin_d_labs": ("patient_id", "created_at"),
    "treatments": ("patient_id", "created_at"),
}
NEW_UPDATED_AT = ("users", "intake", "exercise", "dxa_results", "vitamin_d_labs")
# care_plans is keyed by its patient, and users are the patients
INDEXED = [t for t in TABLES if t not in ("users", "care_plans")]


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
            if table in NEW_UPDATED_AT:
                batch_op.add_column(
                    sa.Column("updated_at", bonecare.database.UTCDateTime(timezone=True), nullable=True)
                )
            if table == "users":
                batch_op.add_column(sa.Column("sync_clock", sa.Integer(), server_default="0", nullable=False))
                batch_op.add_column(sa.Column("sync_floor", sa.Integer(), server_default="0", nullable=False))
            if table == "devices":
                batch_op.add_column(
                    sa.Column("deleted_at", bonecare.database.UTCDateTime(timezone=True), nullable=True)
                )
                batch_op.alter_column("target_hash", existing_type=sa.String(length=64), nullable=True)
            if table in INDEXED:
                batch_op.create_index(f"ix_{table}_patient_version", ["patient_id", "version"], unique=False)
    connection = op.get_bind()
    for table in NEW_UPDATED_AT:
        connection.execute(sa.text(f"UPDATE {table} SET updated_at = created_at"))  # noqa: S608 - our names
    rows = defaultdict(list)
    for table, (patient, order) in TABLES.items():
        key = "id" if table != "care_plans" else "patient_id"
        where = " WHERE role = 'patient'" if table == "users" else ""
        query = f"SELECT {key} AS id, {patient} AS patient, {order} AS at FROM {table}{where}"  # noqa: S608
        for row in connection.execute(sa.text(query)):
            rows[row.patient].append((str(row.at), table, key, row.id))
    for patient, records in rows.items():
        for version, (_, table, key, record_id) in enumerate(sorted(records), start=1):
            connection.execute(
                sa.text(f"UPDATE {table} SET version = :v WHERE {key} = :id"),  # noqa: S608
                {"v": version, "id": record_id},
            )
        connection.execute(sa.text("UPDATE users SET sync_clock = :n WHERE id = :id"), {"n": len(records), "id": patient})


def downgrade():
    for table in TABLES:
        if table == "users":  # dropped in place: rebuilding it would cascade its deletion into every record
            for column in ("sync_floor", "sync_clock", "updated_at", "version"):
                op.drop_column("users", column)
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in INDEXED:
                batch_op.drop_index(f"ix_{table}_patient_version")
            if table == "devices":
                op.execute("DELETE FROM devices WHERE deleted_at IS NOT NULL")
                batch_op.alter_column("target_hash", existing_type=sa.String(length=64), nullable=False)
                batch_op.drop_column("deleted_at")
            if table in NEW_UPDATED_AT:
                batch_op.drop_column("updated_at")
            batch_op.drop_column("version")
