"""Failures kept: a plugin delivery that failed waits for its retry time; a timer that kept
failing is given up.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:00:00

Stores upgraded to this revision have no failure recorded yet: undelivered rows are offered
at the next sweep as before, and every pending timer may still be tried.
"""

import sqlalchemy as sa
from alembic import op

import kernel.store.tables

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = kernel.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        'delivery_failures',
        sa.Column('case_id', sa.String(length=40), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('first_failed_at', when, nullable=False),
        sa.Column('retry_at', when, nullable=False),
        sa.PrimaryKeyConstraint('case_id', 'seq'))
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', when, nullable=True))


def downgrade() -> None:
    op.drop_column('timers', 'failed_at')
    op.drop_table('delivery_failures')
