"""跟进时间: ``work_item.follow_up_at``, a user task's camunda:followUpDate evaluated when it became ready

Revision ID: a3c5e7f9b124
Revises: f2a4c6e8b013
Create Date: 2026-12-02 08:30:00

The properties panel offers 跟进时间 on every user task and the deploy check reads it; the inbox now
shows it. Items created before this migration have none (their diagrams set none: the shipped ones don't).
"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = 'a3c5e7f9b124'
down_revision = 'f2a4c6e8b013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_item') as batch:
        batch.add_column(sa.Column('follow_up_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_item') as batch:
        batch.drop_column('follow_up_at')
