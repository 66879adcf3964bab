"""security and privacy: audit log, per-user session version, erasure marks

Revision ID: e8c4b1d7a2f9
Revises: d5f0a2b8c6e1
Create Date: 2026-11-26 10:00:00.000000

audit_entries keeps who did what, when and from where (inbox.audit). users.session_version ends
every session of a user when raised (inbox.security.sessions); sessions made before this
migration carry no version and end once. tickets.erased_at / contacts.erased_at mark rows whose
personal data was erased (inbox.privacy).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8c4b1d7a2f9'
down_revision = 'f3c1d8e5b7a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=255), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('target_label', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_entries_action_id', 'audit_entries', ['action', 'id'], unique=False)
    op.create_index('ix_audit_entries_actor_id', 'audit_entries', ['actor_id', 'id'], unique=False)
    op.create_index('ix_audit_entries_at', 'audit_entries', ['at'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('erased_at')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('erased_at')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
    op.drop_index('ix_audit_entries_at', table_name='audit_entries')
    op.drop_index('ix_audit_entries_actor_id', table_name='audit_entries')
    op.drop_index('ix_audit_entries_action_id', table_name='audit_entries')
    op.drop_table('audit_entries')
