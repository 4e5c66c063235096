"""notification actions: a reminder's log_on_done dose, and what the patient did with each notification

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:40:00

"""

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log_on_done", sa.JSON(), nullable=True))
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", bonecare.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("action", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("acted_at", bonecare.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_column("acted_at")
        batch_op.drop_column("action")
        batch_op.drop_column("opened_at")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("log_on_done")
