"""planned rules: each reminder rule records how far the planner has planned it (`replan_at`, when its horizon
next moves on, and `planned_zone`, the zone it was planned in), so that a periodic pass reads only the
rules that need it; existing rules start unplanned (NULL), so the first pass after this revision plans each once;
occurrences indexed by their rule and by their appointment, as the planner reads them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:30:00

"""

from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# In place, never in batch mode: rebuilding `reminders` on SQLite would set its occurrences' rule to NULL.
def upgrade():
    op.add_column("reminders", sa.Column("replan_at", bonecare.database.UTCDateTime(timezone=True), nullable=True))
    op.add_column("reminders", sa.Column("planned_zone", sa.String(length=64), nullable=True))
    op.create_index("ix_occurrences_reminder", "occurrences", ["reminder_id", "local_date"], unique=False)
    op.create_index("ix_occurrences_appointment", "occurrences", ["appointment_id"], unique=False)


def downgrade():
    op.drop_index("ix_occurrences_appointment", table_name="occurrences")
    op.drop_index("ix_occurrences_reminder", table_name="occurrences")
    op.drop_column("reminders", "planned_zone")
    op.drop_column("reminders", "replan_at")
