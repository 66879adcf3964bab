"""dashboard at a million tickets: SLA outcomes summed per day (sla_daily_totals), the running rows indexed

Revision ID: b8e3d5a1c7f4
Revises: c9e4f1a7b3d2
Create Date: 2026-12-08 00:40:00.000000

sla_daily_totals holds the outcome rows summed per opening day, channel and assignee (inbox.tickets.sla.daily
keeps them); the dashboard adds those up and reads live only the rows with a running clock (partial index
ix_sla_outcomes_running). Filled here from the existing outcome rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e3d5a1c7f4'
down_revision = 'c9e4f1a7b3d2'
branch_labels = None
depends_on = None

RUNNING = "first_response_state = 'running' OR next_response_state = 'running' OR resolution_state = 'running'"
RUNNING_INCLUDE = ["opened_day", "opened_week", "channel", "assignee_id", "first_response_state", "first_response_due_at",
                   "next_response_state", "next_response_due_at", "resolution_state", "resolution_due_at"]
BACKFILL = """
INSERT INTO sla_daily_totals (opened_day, opened_week, channel, assignee_id, first_opened_at, last_opened_at, tickets, resolved,
                              answered, frt_seconds, frt_business_seconds, nrt_count, nrt_seconds, nrt_business_seconds,
                              ttr_seconds, ttr_business_seconds, met, missed)
SELECT opened_day, opened_week, channel, assignee_id, min(opened_at), max(opened_at), count(*), count(resolved_at),
       count(frt_seconds), coalesce(sum(frt_seconds), 0.0), coalesce(sum(frt_business_seconds), 0.0),
       coalesce(sum(next_response_answered), 0), coalesce(sum(nrt_seconds), 0.0), coalesce(sum(nrt_business_seconds), 0.0),
       coalesce(sum(ttr_seconds), 0.0), coalesce(sum(ttr_business_seconds), 0.0),
       coalesce(sum(CASE WHEN first_response_state = 'met' THEN 1 ELSE 0 END + next_response_met
                    + CASE WHEN resolution_state = 'met' THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN first_response_state = 'missed' THEN 1 ELSE 0 END + next_response_missed
                    + CASE WHEN resolution_state = 'missed' THEN 1 ELSE 0 END), 0)
FROM sla_outcomes
GROUP BY opened_day, opened_week, channel, assignee_id
"""


def upgrade():
    op.create_table('sla_daily_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opened_day', sa.Date(), nullable=False),
    sa.Column('opened_week', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('frt_seconds', sa.Float(), nullable=False),
    sa.Column('frt_business_seconds', sa.Float(), nullable=False),
    sa.Column('nrt_count', sa.Integer(), nullable=False),
    sa.Column('nrt_seconds', sa.Float(), nullable=False),
    sa.Column('nrt_business_seconds', sa.Float(), nullable=False),
    sa.Column('ttr_seconds', sa.Float(), nullable=False),
    sa.Column('ttr_business_seconds', sa.Float(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sla_daily_totals_day', 'sla_daily_totals', ['opened_day'], unique=False)
    op.create_index('ix_sla_outcomes_opened_day', 'sla_outcomes', ['opened_day'], unique=False)
    op.create_index('ix_sla_outcomes_running', 'sla_outcomes', ['opened_at'], unique=False, postgresql_where=sa.text(RUNNING),
                    sqlite_where=sa.text(RUNNING), postgresql_include=RUNNING_INCLUDE)
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE sla_daily_totals")


def downgrade():
    op.drop_index('ix_sla_outcomes_running', table_name='sla_outcomes')
    op.drop_index('ix_sla_outcomes_opened_day', table_name='sla_outcomes')
    op.drop_index('ix_sla_daily_totals_day', table_name='sla_daily_totals')
    op.drop_table('sla_daily_totals')
