"""calendar years count as known only when confirmed (by the seed for chinese-calendar years, else an administrator)

Revision ID: 8e2f4b6a1c93
Revises: 5c3e9a1d7f20
Create Date: 2026-12-01 13:00:00

Years seeded from the chinese-calendar package are confirmed at once; years that got a row only
because someone entered one day by hand stay unconfirmed until an administrator confirms them.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = '8e2f4b6a1c93'
down_revision = '5c3e9a1d7f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_year') as batch:
        batch.add_column(sa.Column('confirmed_at', app.models.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_calendar_year_confirmed_by_id_user', 'user', ['confirmed_by_id'], ['id'])
    table = sa.table('calendar_year', sa.column('source', sa.String), sa.column('confirmed_at', sa.DateTime))
    op.execute(table.update().where(table.c.source == 'chinese_calendar')
               .values(confirmed_at=datetime.now(UTC).replace(tzinfo=None)))


def downgrade():
    with op.batch_alter_table('calendar_year') as batch:
        batch.drop_constraint('fk_calendar_year_confirmed_by_id_user', type_='foreignkey')
        batch.drop_column('confirmed_by_id')
        batch.drop_column('confirmed_at')
