"""Device cookies against lockout abuse: ``login_failure.device``, a failure from the account's trusted browser

Revision ID: b7d9e1f3a5c8
Revises: a3c5e7f9b124
Create Date: 2026-12-02 17:10:00

Wrong passwords typed for an account from elsewhere lock it everywhere except on the browsers where it
signed in correctly before (app/services/login_guard.py); failures from such a browser are counted for
that browser. Earlier failures have none (they count for the account, as they did).
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7d9e1f3a5c8'
down_revision = 'a3c5e7f9b124'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failure') as batch:
        batch.add_column(sa.Column('device', sa.String(64), nullable=True))
    op.create_index('ix_login_failure_device', 'login_failure', ['device', 'at'])


def downgrade():
    op.drop_index('ix_login_failure_device', table_name='login_failure')
    with op.batch_alter_table('login_failure') as batch:
        batch.drop_column('device')
