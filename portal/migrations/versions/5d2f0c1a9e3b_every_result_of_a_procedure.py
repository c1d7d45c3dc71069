"""Every result of a procedure, not only the first

Revision ID: 5d2f0c1a9e3b
Revises: 21bf9277c4a0
Create Date: 2026-12-02 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2f0c1a9e3b'
down_revision = '21bf9277c4a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results', sa.JSON(), nullable=True))
    # Until the next import fills it in, the first result is the only one known.
    procedure = sa.table(
        'procedure', sa.column('id', sa.Integer), sa.column('result', sa.JSON),
        sa.column('results', sa.JSON))
    connection = op.get_bind()
    for id_, result in connection.execute(sa.select(procedure.c.id, procedure.c.result)).all():
        connection.execute(procedure.update().where(procedure.c.id == id_).values(
            results=[result] if result else []))
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.alter_column('results', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('results')
