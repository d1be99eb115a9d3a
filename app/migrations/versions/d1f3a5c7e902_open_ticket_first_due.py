"""at a million tickets: ticket.first_due (the board's first deadline, computed by the database) and the
indexes of the board and the unconfirmed-calendar check; on PostgreSQL the ledger's index covers 三率

Revision ID: d1f3a5c7e902
Revises: 7d2b4e6a9c31
Create Date: 2026-12-01 16:20:00

PostgreSQL rewrites the ticket table once to store the new column (2 min 13 s at 1 M tickets on a 2-core
machine under load); SQLite cannot add a stored column to a table, so it adds a virtual one (a new database
made by create_all stores it: both are indexed and read alike).
"""
from alembic import op
import sqlalchemy as sa

revision = 'd1f3a5c7e902'
down_revision = '7d2b4e6a9c31'
branch_labels = None
depends_on = None

OPEN = 'closed_at IS NULL'
# as app/models/ticket.py says it (a migration keeps its own copy: the model may change later)
FIRST_DUE_SQL = ("CASE WHEN first_contact_at IS NULL AND state IN ('待签收', '待分派', '待响应') "
                 "AND response_deadline IS NOT NULL THEN response_deadline ELSE reply_deadline END")
RATE_COLUMNS = ['excluded', 'state', 'first_contact_at', 'response_deadline', 'callback_contacted',
                'callback_resolved', 'callback_satisfied', 'closed_at', 'reply_deadline', 'replied_at']


def upgrade():
    stored = True if op.get_bind().dialect.name == 'postgresql' else None  # SQLite: virtual (see above)
    op.add_column('ticket', sa.Column('first_due', sa.DateTime(), sa.Computed(FIRST_DUE_SQL, persisted=stored),
                                      nullable=True))
    where = dict(postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index('ix_ticket_open_due', 'ticket', ['first_due', 'id'], **where)
    op.create_index('ix_ticket_open_urge', 'ticket', ['urge_at'], **where)
    op.create_index('ix_ticket_open_response', 'ticket', ['response_deadline'], **where)
    if op.get_bind().dialect.name == 'postgresql':  # 三率 of a month read from the ledger's index alone
        op.drop_index('ix_ticket_received', table_name='ticket')
        op.create_index('ix_ticket_received', 'ticket', ['received_at', 'id'], postgresql_include=RATE_COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_ticket_received', table_name='ticket')
        op.create_index('ix_ticket_received', 'ticket', ['received_at', 'id'])
    for name in ('ix_ticket_open_response', 'ix_ticket_open_urge', 'ix_ticket_open_due'):
        op.drop_index(name, table_name='ticket')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('first_due')
