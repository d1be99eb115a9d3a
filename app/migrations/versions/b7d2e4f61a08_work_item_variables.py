"""work items keep their ready task's variables, so a task form never loads the workflow

Revision ID: b7d2e4f61a08
Revises: b7d2e4f1a903
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = 'b7d2e4f61a08'
down_revision = 'b7d2e4f1a903'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_item') as batch:
        batch.add_column(sa.Column('variables', app.models.types.JSONText(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_item') as batch:
        batch.drop_column('variables')
