"""staged uploads: spreadsheets kept on the server between preview and confirmation

Revision ID: 5c4e9a7d2f18
Revises: 7c1e9a4b2d10
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '5c4e9a7d2f18'
down_revision = '7c1e9a4b2d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staged_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('file_type', sa.String(length=8), nullable=False),
        sa.Column('stored_path', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('summary', app.models.types.JSONText(), nullable=True),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('confirmed_at', app.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    with op.batch_alter_table('staged_upload') as batch:
        batch.create_index(batch.f('ix_staged_upload_expires_at'), ['expires_at'], unique=False)
        batch.create_index(batch.f('ix_staged_upload_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staged_upload') as batch:
        batch.drop_index(batch.f('ix_staged_upload_user_id'))
        batch.drop_index(batch.f('ix_staged_upload_expires_at'))
    op.drop_table('staged_upload')
