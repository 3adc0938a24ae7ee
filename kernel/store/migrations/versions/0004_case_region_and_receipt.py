"""Cases: the calendar region their dates are counted on, and the deemed receipt day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14 11:00:00

Cases stored before this revision were counted on the national calendar (region NULL) from
their submission day (received_on NULL means just that).
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops a plain column in place, whereas copying the
    # cases table would trip the foreign keys of the events and timers that point at it.
    op.drop_column('cases', 'received_on')
    op.drop_column('cases', 'region')
