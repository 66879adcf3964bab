"""SLA engine: warning time on tickets, breaches, notifications, policy changes, app settings

Revision ID: 5a1e6c0d9b21
Revises: 963340584e06
Create Date: 2026-11-24 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5a1e6c0d9b21'
down_revision = '963340584e06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_warn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_tickets_status_warn', ['status', 'sla_warn_at'], unique=False)

    op.create_table('sla_breaches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'target', 'due_at', name='uq_breach_ticket_target_due')
    )
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_breaches_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_breaches_breached_at'), ['breached_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('breach_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('sla_policy_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('previous_policy_id', sa.Integer(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendars.id'], ),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], ),
    sa.ForeignKeyConstraint(['previous_policy_id'], ['sla_policies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('app_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade():
    op.drop_table('app_settings')
    op.drop_table('sla_policy_changes')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
    op.drop_table('notifications')
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_breaches_breached_at'))
        batch_op.drop_index(batch_op.f('ix_sla_breaches_ticket_id'))
    op.drop_table('sla_breaches')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_warn')
        batch_op.drop_column('sla_warn_at')
