"""timeline entries as catalogue messages with parameters

Revision ID: 2b7c1f0a9d31
Revises: 1d5e6cae047a
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '2b7c1f0a9d31'
down_revision = '1d5e6cae047a'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('ticket_event', 'inspection_event'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('message', sa.String(length=200), nullable=True))
            batch.add_column(sa.Column('params', app.models.types.JSONText(), nullable=True))


def downgrade():
    for table in ('ticket_event', 'inspection_event'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('params')
            batch.drop_column('message')
