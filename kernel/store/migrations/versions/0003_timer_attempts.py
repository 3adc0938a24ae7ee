"""Timer attempts: a failing timer keeps its error and is retried later.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-14 10:00:00

Timers stored before this revision have had no failed attempt: attempts 0, no error.
"""

import sqlalchemy as sa
from alembic import op

import kernel.store.tables

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('retry_at',
                                      kernel.store.tables.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
