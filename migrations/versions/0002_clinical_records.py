"""clinical records: treatments, the exemestane course and ceiling reason on care plans, FRAX with BMD and
hip fracture on DXA results, lab units (existing labs become value = the ng/mL figure, unit = "ng/mL")

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 14:50:46.901089

"""
from alembic import op
import sqlalchemy as sa

import bonecare.database


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('treatments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('agent', sa.String(length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('last_dose_on', sa.Date(), nullable=True),
    sa.Column('dose_interval_days', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('created_at', bonecare.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bonecare.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_treatments_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_treatments_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatments'))
    )
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.create_index('ix_treatments_patient_day', ['patient_id', 'started_on'], unique=False)

    with op.batch_alter_table('care_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ceiling_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('exemestane_started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('exemestane_stopped_on', sa.Date(), nullable=True))

    with op.batch_alter_table('dxa_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frax_with_bmd', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('hip_fracture', sa.Boolean(), nullable=True))

    # Existing labs were all in ng/mL: add the columns empty, fill them, then make them required.
    with op.batch_alter_table('vitamin_d_labs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('unit', sa.String(length=8), nullable=True))
    op.execute("UPDATE vitamin_d_labs SET value = vitamin_d_25oh_ng_ml, unit = 'ng/mL'")
    with op.batch_alter_table('vitamin_d_labs', schema=None) as batch_op:
        batch_op.alter_column('value', existing_type=sa.Float(), nullable=False)
        batch_op.alter_column('unit', existing_type=sa.String(length=8), nullable=False)



def downgrade():
    with op.batch_alter_table('vitamin_d_labs', schema=None) as batch_op:
        batch_op.drop_column('unit')
        batch_op.drop_column('value')

    with op.batch_alter_table('dxa_results', schema=None) as batch_op:
        batch_op.drop_column('hip_fracture')
        batch_op.drop_column('frax_with_bmd')

    with op.batch_alter_table('care_plans', schema=None) as batch_op:
        batch_op.drop_column('exemestane_stopped_on')
        batch_op.drop_column('exemestane_started_on')
        batch_op.drop_column('ceiling_reason')

    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.drop_index('ix_treatments_patient_day')

    op.drop_table('treatments')
