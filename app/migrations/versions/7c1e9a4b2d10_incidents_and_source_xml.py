"""incidents; process versions keep the file as uploaded

Revision ID: 7c1e9a4b2d10
Revises: 9a49a1d2eae9
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '7c1e9a4b2d10'
down_revision = '9a49a1d2eae9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_xml', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('source_checksum', sa.String(length=64), nullable=False, server_default=''))

    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('business_key', sa.String(length=80), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('element_id', sa.String(length=120), nullable=False),
    sa.Column('element_name', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raised_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('resolved_at', app.models.types.UTCDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['process_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index('ix_incident_open', ['status', 'raised_at'], unique=False)


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_open')
        batch_op.drop_index(batch_op.f('ix_incident_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))
    op.drop_table('incident')
    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_column('source_checksum')
        batch_op.drop_column('source_xml')
