"""sign-in security: sessions, login throttling, account audit log; access-log outcome; API key scopes

Revision ID: 5c3e9a1d7f20
Revises: 5c4e9a7d2f18
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types

revision = '5c3e9a1d7f20'
down_revision = '5c4e9a7d2f18'
branch_labels = None
depends_on = None

DEFAULT_SCOPES = 'tickets:write tickets:read messages:write outbox'


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('ended_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_user_session_user_id', 'user_session', ['user_id'])
    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_failure_username', 'login_failure', ['username', 'at'])
    op.create_index('ix_login_failure_address', 'login_failure', ['address', 'at'])
    op.create_table(
        'login_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('locked_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('until', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('lifted_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_lock_key', 'login_lock', ['kind', 'key', 'until'])
    op.create_table(
        'security_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_security_event_at', 'security_event', ['at'])
    op.create_index('ix_security_event_kind', 'security_event', ['kind'])
    op.create_index('ix_security_event_user_id', 'security_event', ['user_id'])

    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('last_login_at', app.models.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('password_changed_at', app.models.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('access_log') as batch:
        batch.add_column(sa.Column('outcome', sa.String(length=10), nullable=False, server_default='allowed'))
        batch.add_column(sa.Column('masked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('detail', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('address', sa.String(length=64), nullable=False, server_default=''))
        batch.create_index('ix_access_log_at', ['at'], unique=False)
    with op.batch_alter_table('api_key') as batch:
        batch.add_column(sa.Column('scopes', sa.String(length=200), nullable=False, server_default=DEFAULT_SCOPES))
    # the defaults were for the rows already there; new rows get theirs from the models
    with op.batch_alter_table('user') as batch:
        batch.alter_column('must_change_password', server_default=None)
    with op.batch_alter_table('access_log') as batch:
        for name in ('outcome', 'masked', 'detail', 'address'):
            batch.alter_column(name, server_default=None)
    with op.batch_alter_table('api_key') as batch:
        batch.alter_column('scopes', server_default=None)


def downgrade():
    with op.batch_alter_table('api_key') as batch:
        batch.drop_column('scopes')
    with op.batch_alter_table('access_log') as batch:
        batch.drop_index('ix_access_log_at')
        for name in ('address', 'detail', 'masked', 'outcome'):
            batch.drop_column(name)
    with op.batch_alter_table('user') as batch:
        for name in ('must_change_password', 'password_changed_at', 'last_login_at'):
            batch.drop_column(name)
    op.drop_table('security_event')
    op.drop_table('login_lock')
    op.drop_table('login_failure')
    op.drop_table('user_session')
