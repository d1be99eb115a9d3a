"""ticket.channel: 反映渠道 of a ticket entered at the desk (电话/来访/信件/网络)

Revision ID: b7d2e4f1a903
Revises: 8e2f4b6a1c93
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'b7d2e4f1a903'
down_revision = '8e2f4b6a1c93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=10), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('channel')
