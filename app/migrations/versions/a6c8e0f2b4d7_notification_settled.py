"""a finished task settles its unread notices: ``notification.settled_at`` and the index
ix_notification_work_item that finds a work item's notices

Revision ID: a6c8e0f2b4d7
Revises: c9e1a3b5d7f2
Create Date: 2026-12-04 19:30:00

A 响应超时 notice used to stay unread after the response was recorded. From now on, completing or
cancelling a task marks its unread notices read (``read_at``) and settled (``settled_at``, shown as
任务已结束). Notices written before this migration keep what they have.
"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = 'a6c8e0f2b4d7'
down_revision = 'c9e1a3b5d7f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('settled_at', UTCDateTime(), nullable=True))
        batch.create_index('ix_notification_work_item', ['work_item_id'])


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_index('ix_notification_work_item')
        batch.drop_column('settled_at')
