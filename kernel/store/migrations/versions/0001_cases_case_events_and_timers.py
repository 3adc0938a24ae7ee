"""Cases, case events and timers.

Revision ID: 0001
Revises: none
Create Date: 2026-11-26 16:43:52.268957
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kernel.store.tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('applicant_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('applicant_identifier', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('application', sa.JSON(), nullable=False),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.Column('rulesets', sa.JSON(), nullable=False),
    sa.Column('submitted_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('supplement_by', sa.Date(), nullable=True),
    sa.Column('grace_by', sa.Date(), nullable=True),
    sa.Column('due_committed', sa.Date(), nullable=True),
    sa.Column('due_legal', sa.Date(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_applicant_identifier'),
                              ['applicant_identifier'], unique=False)
        batch_op.create_index('ix_cases_state_due', ['state', 'due_committed'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', kernel.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('recorded_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_events_seq')
    )
    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', kernel.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fired_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_timers_pending', ['fired_at', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_pending')
        batch_op.drop_index(batch_op.f('ix_timers_case_id'))

    op.drop_table('timers')
    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_due')
        batch_op.drop_index(batch_op.f('ix_cases_applicant_identifier'))

    op.drop_table('cases')
