"""报表归档: report_record (drafted, published and corrected reports with their frozen figures); ticket.received_at index

Revision ID: 7d2b4e6a9c31
Revises: 8e2d4b6a1c35
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '7d2b4e6a9c31'
down_revision = '8e2d4b6a1c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('period_key', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('figures', app.models.types.JSONText(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('corrects_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['corrects_id'], ['report_record.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'period_key', 'version', name='uq_report_version'),
    )
    with op.batch_alter_table('report_record') as batch:
        batch.create_index('ix_report_record_listing', ['kind', 'status', 'period_key'], unique=False)
    # the tickets of a period are read through ix_ticket_received (received_at, id), migration 8f2d4b6a1c90


def downgrade():
    with op.batch_alter_table('report_record') as batch:
        batch.drop_index('ix_report_record_listing')
    op.drop_table('report_record')
