"""notifications: notices in a person's inbox (催办, deadline reminders), read or unread

Revision ID: 8e2d4b6a1c35
Revises: 8f2d4b6a1c90
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '8e2d4b6a1c35'
down_revision = '8f2d4b6a1c90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('work_item_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message', sa.String(length=200), nullable=False),
        sa.Column('params', app.models.types.JSONText(), nullable=True),
        sa.Column('text', sa.String(length=400), nullable=False),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('read_at', app.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.ForeignKeyConstraint(['work_item_id'], ['work_item.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('notification') as batch:
        batch.create_index('ix_notification_ticket_id', ['ticket_id'], unique=False)
        batch.create_index('ix_notification_unread', ['user_id', 'read_at'], unique=False)
        batch.create_index('ix_notification_user_created', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notification') as batch:
        batch.drop_index('ix_notification_user_created')
        batch.drop_index('ix_notification_unread')
        batch.drop_index('ix_notification_ticket_id')
    op.drop_table('notification')
