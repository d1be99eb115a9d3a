"""a handler's search within a section: one GIN index over section and words (btree_gin, PostgreSQL);
autovacuum of the busy tables after 1 % of their rows changed, not 20 %

Revision ID: e5b7c9d1f3a6
Revises: 3e8b5d1f7a42
Create Date: 2026-12-01 17:20:00

At 1 M tickets a word common in the ledger but rare in one section took 1.5 s to find for that
section's handler (the planner walked the ledger's date index); with this index 16-35 ms. 30 s to
build at 1 M. Without the extension (no contrib package, no right to create it) nothing changes.

The board and 三率 read the open tickets from indexes alone, which holds only while the table's visibility
map is fresh: PostgreSQL's default vacuums a table after 20 % of its rows changed (200,000 at 1 M), and
after a day of work (19,000 tickets touched by the timers) the board took 250 ms instead of 80 ms.
"""
from alembic import op

revision = 'e5b7c9d1f3a6'
down_revision = '3e8b5d1f7a42'
branch_labels = None
depends_on = None


BUSY = ('ticket', 'work_item', 'process_instance')
VACUUM_SETTINGS = ('autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, '
                   'autovacuum_vacuum_insert_scale_factor = 0.01')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        from app.models import search

        op.execute(search.PG_SECTION_SEARCH)
        for table in BUSY:
            op.execute(f'ALTER TABLE {table} SET ({VACUUM_SETTINGS})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_ticket_search_section')
        for table in BUSY:
            op.execute(f'ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor, '
                       'autovacuum_vacuum_insert_scale_factor)')
