"""SLA you can audit: one writer of SLA state, stored per-ticket outcomes, breaches stamped with their
deadline, at-risk warnings once per deadline, replies that count only when delivered

Revision ID: f3c1d8e5b7a9
Revises: e7b3c9d1a4f2
Create Date: 2026-11-30 18:00:00.000000

- sla_outcomes: one row per ticket (what the dashboard and CSV aggregate), backfilled for existing
  tickets by `inbox migrate` right after this migration (inbox.tickets.sla.outcomes.backfill).
- tickets.due_target says which clock tickets.due_at is; tickets.sla_state is gone: "at risk" and
  "breached" are read from due_at / sla_warn_at against the clock, one definition everywhere. The
  inbox list indexes carry sla_warn_at instead (PostgreSQL INCLUDE).
- sla_breaches.breached_at is now the deadline that was missed; recorded_at is when a sweep saw it.
- Earlier releases recorded a "reply" event when an agent's reply was queued, sent or not. Those
  events are rewritten from the message's delivery state: reply_delivered (at the time it was sent),
  reply_failed, or reply_queued — so failed replies stop counting as answers.
"""
import json
from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c1d8e5b7a9'
down_revision = 'e7b3c9d1a4f2'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'open', 'pending')"
CLOSED = "status IN ('resolved', 'closed')"
OLD_INCLUDE = ["status", "channel", "priority", "last_sentiment", "assignee_id", "sla_state", "contact_id", "opened_at"]
NEW_INCLUDE = ["status", "channel", "priority", "last_sentiment", "assignee_id", "sla_warn_at", "contact_id", "opened_at"]
LIST_INDEXES = (
    ("ix_tickets_open_due", ["due_at", "id"], OPEN),
    ("ix_tickets_open_assignee_due", ["assignee_id", "due_at", "id"], OPEN),
    ("ix_tickets_unassigned_due", ["due_at", "id"], OPEN + " AND assignee_id IS NULL"),
    ("ix_tickets_closed_resolved", ["resolved_at", "id"], CLOSED),
)


def _where(clause, include):
    return {"postgresql_where": sa.text(clause), "sqlite_where": sa.text(clause), "postgresql_include": include}


def upgrade():
    op.create_table('sla_outcomes',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_day', sa.Date(), nullable=False),
    sa.Column('opened_week', sa.String(length=8), nullable=False),
    sa.Column('first_response_state', sa.String(length=8), nullable=False),
    sa.Column('first_response_missed_reason', sa.String(length=32), nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('frt_seconds', sa.Float(), nullable=True),
    sa.Column('frt_business_seconds', sa.Float(), nullable=True),
    sa.Column('next_response_met', sa.Integer(), nullable=False),
    sa.Column('next_response_missed', sa.Integer(), nullable=False),
    sa.Column('next_response_answered', sa.Integer(), nullable=False),
    sa.Column('nrt_seconds', sa.Float(), nullable=False),
    sa.Column('nrt_business_seconds', sa.Float(), nullable=False),
    sa.Column('next_response_state', sa.String(length=8), nullable=False),
    sa.Column('next_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_state', sa.String(length=8), nullable=False),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ttr_seconds', sa.Float(), nullable=True),
    sa.Column('ttr_business_seconds', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('sla_outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_sla_outcomes_opened', ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_outcomes_assignee_id'), ['assignee_id'], unique=False)
    op.create_table('sla_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'target', 'due_at', name='uq_warning_ticket_target_due')
    )
    with op.batch_alter_table('sla_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_warnings_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_warnings_warned_at'), ['warned_at'], unique=False)
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_sla_breaches_recorded_at'), ['recorded_at'], unique=False)
    op.execute("UPDATE sla_breaches SET recorded_at = breached_at, breached_at = due_at")

    for name, _columns, _where_sql in LIST_INDEXES:
        op.drop_index(name, table_name='tickets')
    op.drop_index('ix_tickets_open_state_due', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_target', sa.String(length=16), nullable=True))
        batch_op.drop_column('sla_state')
    for name, columns, where_sql in LIST_INDEXES:
        op.create_index(name, 'tickets', columns, unique=False, **_where(where_sql, NEW_INCLUDE))

    _rewrite_reply_events()
    # the outcome rows of existing tickets are written by `inbox migrate` right after the migrations
    # (inbox.setup.upgrade_database -> sla.outcomes.backfill), with the models of the running code


def _rewrite_reply_events():
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, data FROM ticket_events WHERE type = 'reply'")).all()
    for event_id, data in rows:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        if not isinstance(data, dict) or "message_id" not in data:
            continue
        message = bind.execute(sa.text("SELECT delivery_state, raw FROM messages WHERE id = :id"), {"id": data["message_id"]}).first()
        if message is None:
            continue
        state, raw = message[0], message[1]
        raw = json.loads(raw) if isinstance(raw, str) else (raw or {})
        delivery = (raw or {}).get("delivery") or {}
        if state == "sent":
            params = {"id": event_id, "type": "reply_delivered"}
            sent_at = delivery.get("sent_at")
            if sent_at:
                try:
                    params["at"] = datetime.fromisoformat(sent_at)
                except ValueError:
                    pass
            sql = "UPDATE ticket_events SET type = :type" + (", at = :at" if "at" in params else "") + " WHERE id = :id"
            bind.execute(sa.text(sql), params)
        else:
            bind.execute(sa.text("UPDATE ticket_events SET type = :type WHERE id = :id"),
                         {"id": event_id, "type": "reply_failed" if state == "failed" else "reply_queued"})


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_state', sa.String(length=16), nullable=False, server_default='on_track'))
    for name, _columns, _where_sql in LIST_INDEXES:
        op.drop_index(name, table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('due_target')
    for name, columns, where_sql in LIST_INDEXES:
        op.create_index(name, 'tickets', columns, unique=False, **_where(where_sql, OLD_INCLUDE))
    op.create_index('ix_tickets_open_state_due', 'tickets', ['sla_state', 'due_at', 'id'], unique=False, **_where(OPEN, OLD_INCLUDE))
    op.execute("UPDATE sla_breaches SET breached_at = coalesce(recorded_at, breached_at)")
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_breaches_recorded_at'))
        batch_op.drop_column('recorded_at')
    op.drop_table('sla_warnings')
    op.drop_table('sla_outcomes')
