"""one unfinished export job per user and filter: ``export_job.active_key`` (a digest of the filter
while the job is 排队中 or 生成中, NULL once it is finished) under the unique index ux_export_job_active

Revision ID: f2a4c6e8b013
Revises: e5b7c9d1f3a6
Create Date: 2026-12-01 22:00:00

Two clicks on 导出 at the same instant used to queue two jobs for the same file. Jobs queued before
this migration keep a NULL key and finish as before; a new request for the same filter finds such a job
by its filter (app/services/ledger_export.py ``_active_job``).
"""
import sqlalchemy as sa
from alembic import op

revision = 'f2a4c6e8b013'
down_revision = 'e5b7c9d1f3a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.add_column(sa.Column('active_key', sa.String(length=64), nullable=True))
        batch.create_index('ux_export_job_active', ['user_id', 'active_key'], unique=True)


def downgrade():
    with op.batch_alter_table('export_job') as batch:
        batch.drop_index('ux_export_job_active')
        batch.drop_column('active_key')
