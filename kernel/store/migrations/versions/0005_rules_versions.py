"""Rules changes become versions: a revision number per ruleset, the action (put, rollback,
or the file as it was before the first change), the reason, and the file's text.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20 10:00:00

Rows written before this revision keep no text (they cannot be rolled back to); they are
numbered in the order they were written.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rules_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('action', sa.String(length=20), nullable=False,
                                      server_default='put'))
        batch_op.add_column(sa.Column('reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
    op.execute("UPDATE rules_changes SET revision = (SELECT COUNT(*) FROM rules_changes r2 "
               "WHERE r2.ruleset = rules_changes.ruleset AND r2.id <= rules_changes.id)")
    op.create_index('ix_rules_changes_ruleset', 'rules_changes', ['ruleset', 'revision'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('ix_rules_changes_ruleset', table_name='rules_changes')
    with op.batch_alter_table('rules_changes', schema=None) as batch_op:
        batch_op.drop_column('text')
        batch_op.drop_column('reason')
        batch_op.drop_column('action')
        batch_op.drop_column('revision')
