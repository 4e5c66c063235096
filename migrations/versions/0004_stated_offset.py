"""stated offset: intake and exercise entries keep the UTC offset (minutes) the phone sent their instant with

Existing rows get NULL, which means "no offset stated": their phones' offsets were never stored, and every one of
them had its local_date taken from the profile zone, which is exactly what NULL means now. Filling in the profile
zone's offset would claim an offset no phone sent (and be wrong for a patient who logged while away).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("intake", "exercise")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("utc_offset_min", sa.Integer(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("utc_offset_min")
