"""account deletion: a patient who asked to delete her account has `erase_after`, the instant from which the
worker erases her for good (signing in before it cancels the deletion)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00

"""

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


# In place, never in batch mode: rebuilding `users` on SQLite would cascade its deletion into every record.
def upgrade():
    op.add_column("users", sa.Column("erase_after", bonecare.database.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_users_erase_after"), "users", ["erase_after"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_users_erase_after"), table_name="users")
    op.drop_column("users", "erase_after")
