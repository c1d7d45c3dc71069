"""When an agency existed, and who took over its duties (the 2025 reform)

Revision ID: e5f0c2a9d3b6
Revises: d7a2b5e8f1c4
Create Date: 2026-12-02 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f0c2a9d3b6'
down_revision = 'd7a2b5e8f1c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agency_successor_id'), ['successor_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_agency_successor_id_agency'), 'agency', ['successor_id'], ['id'])


def downgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agency_successor_id_agency'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agency_successor_id'))
        batch_op.drop_column('successor_id')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
