"""重复反映登记 kept as rows: repeat_group (one per kind and key of confirmed links, with its ticket count and
first / last instants), repeat_group_member (its tickets), repeat_register_total (the unfiltered totals per
kind), filled from the confirmed links

Revision ID: c4a7e2d9b105
Revises: d1f3a5c7e902
Create Date: 2026-12-01 16:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = 'c4a7e2d9b105'
down_revision = 'd1f3a5c7e902'
branch_labels = None
depends_on = None

# the tickets of confirmed links, both ends, per kind and key (as app.services.repeat_groups._members)
MEMBERS = """(SELECT kind, key_kind, key_value, ticket_id AS tid FROM repeat_link WHERE status = 'confirmed'
              UNION
              SELECT kind, key_kind, key_value, earlier_id AS tid FROM repeat_link WHERE status = 'confirmed')"""


def upgrade():
    op.create_table(
        'repeat_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key_kind', sa.String(length=12), nullable=False),
        sa.Column('key_value', sa.String(length=200), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('first_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_at', app.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'key_kind', 'key_value', name='uq_repeat_group'),
    )
    op.create_table(
        'repeat_group_member',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('ticket_no_lower', sa.String(length=40), nullable=False),
        sa.Column('enterprise_lower', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['repeat_group.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.PrimaryKeyConstraint('group_id', 'ticket_id'),
    )
    op.create_table(
        'repeat_register_total',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('groups', sa.Integer(), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind'),
    )
    op.execute(f"""
        INSERT INTO repeat_group (kind, key_kind, key_value, n, first_at, last_at)
        SELECT m.kind, m.key_kind, m.key_value, count(*), min(f.at), max(f.at)
        FROM {MEMBERS} AS m JOIN ticket_fingerprint f ON f.ticket_id = m.tid
        GROUP BY m.kind, m.key_kind, m.key_value""")
    op.execute(f"""
        INSERT INTO repeat_group_member (group_id, ticket_id, kind, at, ticket_no_lower, enterprise_lower)
        SELECT g.id, m.tid, g.kind, f.at, lower(t.ticket_no), lower(t.enterprise)
        FROM {MEMBERS} AS m JOIN ticket_fingerprint f ON f.ticket_id = m.tid JOIN ticket t ON t.id = m.tid
        JOIN repeat_group g ON g.kind = m.kind AND g.key_kind = m.key_kind AND g.key_value = m.key_value""")
    op.execute("""
        INSERT INTO repeat_register_total (kind, groups, tickets)
        SELECT g.kind, count(*) FILTER (WHERE g.n >= 2),
               (SELECT count(DISTINCT m.ticket_id) FROM repeat_group_member m WHERE m.kind = g.kind)
        FROM repeat_group g GROUP BY g.kind""")
    op.execute("""
        INSERT INTO repeat_register_total (kind, groups, tickets)
        SELECT '', (SELECT count(*) FROM repeat_group WHERE n >= 2),
               (SELECT count(DISTINCT ticket_id) FROM repeat_group_member)""")
    # indexes after the rows: one sort each instead of maintaining them row by row
    op.create_index('ix_repeat_group_order', 'repeat_group',
                    [sa.text('n DESC'), sa.text('last_at DESC'), 'key_value', 'kind', 'key_kind'])
    op.create_index('ix_repeat_group_kind_order', 'repeat_group',
                    ['kind', sa.text('n DESC'), sa.text('last_at DESC'), 'key_value', 'key_kind'])
    op.create_index('ix_repeat_group_member_ticket', 'repeat_group_member', ['ticket_id', 'kind'])
    op.execute("ANALYZE repeat_group")
    op.execute("ANALYZE repeat_group_member")


def downgrade():
    op.drop_index('ix_repeat_group_member_ticket', table_name='repeat_group_member')
    op.drop_index('ix_repeat_group_kind_order', table_name='repeat_group')
    op.drop_index('ix_repeat_group_order', table_name='repeat_group')
    op.drop_table('repeat_register_total')
    op.drop_table('repeat_group_member')
    op.drop_table('repeat_group')
