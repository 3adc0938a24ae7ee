"""Delivery marks on case events and cases (the plugin outbox); the rules change log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:20:00

Rows stored before this revision were delivered at most once, as the kernel then did: they
are marked delivered, so upgrading never replays history to plugins.
"""

import sqlalchemy as sa
from alembic import op

import kernel.store.tables

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _when() -> sa.types.TypeEngine:
    return kernel.store.tables.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', _when(), nullable=True))
        batch_op.add_column(sa.Column('delivered_to', sa.JSON(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_delivered_at', _when(), nullable=True))
        batch_op.add_column(sa.Column('decision_delivered_to', sa.JSON(), nullable=True))
    op.execute("UPDATE case_events SET delivered_at = recorded_at")
    op.execute("UPDATE cases SET decision_delivered_at = updated_at")
    where = sa.text("delivered_at IS NULL")
    op.create_index('ix_case_events_undelivered', 'case_events', ['recorded_at'],
                    sqlite_where=where, postgresql_where=where)
    where = sa.text("decision_delivered_at IS NULL")
    op.create_index('ix_cases_undelivered', 'cases', ['updated_at'],
                    sqlite_where=where, postgresql_where=where)
    op.create_table('rules_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ruleset', sa.String(length=80), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=80), nullable=False),
    sa.Column('file', sa.String(length=200), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('at', _when(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('rules_changes')
    op.drop_index('ix_cases_undelivered', table_name='cases')
    op.drop_index('ix_case_events_undelivered', table_name='case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('decision_delivered_to')
        batch_op.drop_column('decision_delivered_at')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('delivered_to')
        batch_op.drop_column('delivered_at')
