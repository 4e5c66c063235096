"""refresh grace: the refresh token a session's last rotation spent, and when, so that a retried or racing
refresh inside BONECARE_REFRESH_GRACE_SECONDS gets the session's current pair instead of revoking it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:00:00

"""

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spent_refresh_jti", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rotated_at", bonecare.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_column("rotated_at")
        batch_op.drop_column("spent_refresh_jti")
