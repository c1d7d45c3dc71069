"""The related procedures a national record names

Revision ID: 8b41e7d2c6a0
Revises: 5d2f0c1a9e3b
Create Date: 2026-12-02 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b41e7d2c6a0'
down_revision = '5d2f0c1a9e3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_names', sa.JSON(), nullable=True))
    # Unknown until the next import reads them: none.
    procedure = sa.table('procedure', sa.column('related_names', sa.JSON))
    op.get_bind().execute(procedure.update().values(related_names=[]))
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.alter_column('related_names', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('related_names')
