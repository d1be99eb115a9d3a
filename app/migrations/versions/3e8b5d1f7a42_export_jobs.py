"""导出任务: export_job (ledger exports made by the background worker, with progress and file)

Revision ID: 3e8b5d1f7a42
Revises: c4a7e2d9b105
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '3e8b5d1f7a42'
down_revision = 'c4a7e2d9b105'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('args', app.models.types.JSONText(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('unmasked', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('stored_path', sa.String(length=255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('started_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('finished_at', app.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('export_job') as batch:
        batch.create_index('ix_export_job_state', ['state', 'id'], unique=False)
        batch.create_index('ix_export_job_user', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.drop_index('ix_export_job_user')
        batch.drop_index('ix_export_job_state')
    op.drop_table('export_job')
