"""督办看板: ``ticket.first_due`` is none for a 待回访 ticket whose reply was reported within the 办理时限

Revision ID: c9e1a3b5d7f2
Revises: b7d9e1f3a5c8
Create Date: 2026-12-02 17:50:00

Such a ticket has no deadline left to miss, so it is neither 已超期 nor 临期. With the rule in the computed
column the board's counts stay index range reads (the same rule as a filter on state, replied_at and
reply_deadline read the heap of every open ticket: 70 → 360-455 ms at 1 M tickets). The column is computed
again: PostgreSQL rewrites the ticket table once (about 2 minutes at 1 M tickets on a 2-core machine);
SQLite drops and adds the virtual column.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c9e1a3b5d7f2'
down_revision = 'b7d9e1f3a5c8'
branch_labels = None
depends_on = None

OPEN = 'closed_at IS NULL'
# as app/models/ticket.py says it (a migration keeps its own copy: the model may change later)
BEFORE = ("CASE WHEN first_contact_at IS NULL AND state IN ('待签收', '待分派', '待响应') "
          "AND response_deadline IS NOT NULL THEN response_deadline ELSE reply_deadline END")
AFTER = ("CASE WHEN state = '待回访' AND replied_at IS NOT NULL AND reply_deadline IS NOT NULL "
         "AND replied_at <= reply_deadline THEN NULL "
         "WHEN first_contact_at IS NULL AND state IN ('待签收', '待分派', '待响应') "
         "AND response_deadline IS NOT NULL THEN response_deadline ELSE reply_deadline END")


def _recompute(expression: str) -> None:
    stored = True if op.get_bind().dialect.name == 'postgresql' else None  # SQLite: virtual
    op.drop_index('ix_ticket_open_due', table_name='ticket')
    op.drop_column('ticket', 'first_due')  # a plain ALTER TABLE on both (no batch copy: the FTS triggers stay)
    op.add_column('ticket', sa.Column('first_due', sa.DateTime(), sa.Computed(expression, persisted=stored),
                                      nullable=True))
    op.create_index('ix_ticket_open_due', 'ticket', ['first_due', 'id'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def upgrade():
    _recompute(AFTER)


def downgrade():
    _recompute(BEFORE)
