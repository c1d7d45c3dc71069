"""A fingerprint of the national record a procedure was read from

Revision ID: f1b8d4c7a2e9
Revises: e5f0c2a9d3b6
Create Date: 2026-12-02 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1b8d4c7a2e9'
down_revision = 'e5f0c2a9d3b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('source_hash')
