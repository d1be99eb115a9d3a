"""a handler's search within a section: one GIN index over section and words (btree_gin, PostgreSQL)

Revision ID: e5b7c9d1f3a6
Revises: 3e8b5d1f7a42
Create Date: 2026-12-01 17:20:00

At 1 M tickets a word common in the ledger but rare in one section took 1.5 s to find for that
section's handler (the planner walked the ledger's date index); with this index 16-35 ms. 30 s to
build at 1 M. Without the extension (no contrib package, no right to create it) nothing changes.
"""
from alembic import op

revision = 'e5b7c9d1f3a6'
down_revision = '3e8b5d1f7a42'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        from app.models import search

        op.execute(search.PG_SECTION_SEARCH)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_ticket_search_section')
