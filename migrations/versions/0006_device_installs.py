"""device installs: a device is one app install (the id the app PUTs it under), bound to the session that registered it, with
one row per push target (a unique hash of platform and target, on every database)

Rows that share a target (concurrent registrations made them) are folded into the newest one: the others could
only have doubled the same push.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:00:00

"""

import hashlib

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def target_hash(platform: str, target: str) -> str:
    """As bonecare.reminders.models.target_hash: a migration keeps its own copy of what it computes."""
    return hashlib.sha256(f"{platform}\n{target}".encode()).hexdigest()


def upgrade():
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("target_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("app_version", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("updated_at", bonecare.database.UTCDateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, platform, endpoint, token FROM devices ORDER BY active DESC, created_at DESC")
    ).all()
    kept = set()
    for row in rows:
        digest = target_hash(row.platform, row.endpoint or row.token or str(row.id))
        if digest in kept:
            connection.execute(sa.text("DELETE FROM devices WHERE id = :id"), {"id": row.id})
        else:
            kept.add(digest)
            connection.execute(sa.text("UPDATE devices SET target_hash = :h WHERE id = :id"), {"h": digest, "id": row.id})
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.alter_column("target_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_devices_target_hash", ["target_hash"])
        batch_op.create_foreign_key(
            "fk_devices_session_id_auth_sessions", "auth_sessions", ["session_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint("fk_devices_session_id_auth_sessions", type_="foreignkey")
        batch_op.drop_constraint("uq_devices_target_hash", type_="unique")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("locale")
        batch_op.drop_column("app_version")
        batch_op.drop_column("target_hash")
        batch_op.drop_column("session_id")
