"""Mark a procedure that is another province's own (imported on purpose, for reference)

Revision ID: c3e9a1f4b7d2
Revises: 8b41e7d2c6a0
Create Date: 2026-12-02 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e9a1f4b7d2'
down_revision = '8b41e7d2c6a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_province', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('other_province')
