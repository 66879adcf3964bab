"""platform: API tokens, webhooks, automation rules, automatic assignment

Revision ID: a9d4e2f7c1b3
Revises: a9d2e4f6b8c1
Create Date: 2026-11-30 19:40:00.000000

- api_tokens: personal API tokens (hash only), scoped read or write.
- webhook_subscriptions / webhook_deliveries: signed outgoing webhooks per event type, with a
  delivery log. The SLA breach webhook URL of earlier releases (app_settings.sla_webhook_url)
  becomes a subscription to "sla.breached" with a new signing secret.
- automation_rules: ordered rules (conditions and actions as JSON).
- users.away / capacity / last_seen_at / last_auto_assigned_at: who automatic assignment may pick.
"""
import json
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = 'a9d4e2f7c1b3'
down_revision = 'a9d2e4f6b8c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_api_tokens_user_id', 'api_tokens', ['user_id'])
    subscriptions = op.create_table('webhook_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=128), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table('webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('event_type', sa.String(length=32), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_deliveries_subscription', 'webhook_deliveries', ['subscription_id', 'id'])
    op.create_index('ix_webhook_deliveries_event_id', 'webhook_deliveries', ['event_id'])
    op.create_index('ix_webhook_deliveries_ticket_id', 'webhook_deliveries', ['ticket_id'])

    op.create_table('automation_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('stop_processing', sa.Boolean(), nullable=False),
        sa.Column('conditions', sa.JSON(), nullable=False),
        sa.Column('actions', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('away', sa.Boolean(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('capacity', sa.Integer(), nullable=False, server_default='10'))
        batch.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_auto_assigned_at', sa.DateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    url = conn.execute(sa.text("SELECT value FROM app_settings WHERE key = 'sla_webhook_url'")).scalar()
    if url:
        now = datetime.now(timezone.utc)
        op.bulk_insert(subscriptions, [{
            'name': 'SLA breach webhook', 'url': url, 'secret': secrets.token_hex(32), 'events': ['sla.breached'],
            'active': True, 'created_by_id': None, 'created_at': now, 'updated_at': now,
        }])
    conn.execute(sa.text("DELETE FROM app_settings WHERE key = 'sla_webhook_url'"))


def downgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT url, events FROM webhook_subscriptions WHERE active ORDER BY id")).all()
    for url, events in rows:
        events = json.loads(events) if isinstance(events, str) else events
        if 'sla.breached' in (events or []):
            conn.execute(sa.text("INSERT INTO app_settings (key, value) VALUES ('sla_webhook_url', :url)"), {"url": url})
            break
    with op.batch_alter_table('users') as batch:
        batch.drop_column('last_auto_assigned_at')
        batch.drop_column('last_seen_at')
        batch.drop_column('capacity')
        batch.drop_column('away')
    op.drop_table('automation_rules')
    op.drop_index('ix_webhook_deliveries_ticket_id', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_event_id', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_subscription', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_subscriptions')
    op.drop_index('ix_api_tokens_user_id', table_name='api_tokens')
    op.drop_table('api_tokens')
