"""kinds of engagement: messages.engagement(+score), tickets.engagement(+by agent), engagement_corrections

Revision ID: c7d2e9a4b1f8
Revises: c6d2e9a4f1b7
Create Date: 2026-12-08 00:45:00.000000

Every customer message gets a kind (question, complaint, request, praise, feedback, noise) from the
worker's sentiment pass; the ticket takes its strongest message's kind unless an agent corrected it.
Existing rows stay NULL (unknown): nothing is guessed for messages the model never saw.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7d2e9a4b1f8'
down_revision = 'c6d2e9a4f1b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('engagement', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('engagement_score', sa.Float(), nullable=True))
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('engagement', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('engagement_by_agent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index('ix_tickets_engagement', ['engagement'])
    op.create_table(
        'engagement_corrections',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id'), nullable=False),
        sa.Column('message_id', sa.Integer(), sa.ForeignKey('messages.id'), nullable=True),
        sa.Column('label', sa.String(length=16), nullable=False),
        sa.Column('previous', sa.String(length=16), nullable=True),
        sa.Column('corrected_by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_engagement_corrections_ticket_id', 'engagement_corrections', ['ticket_id'])
    op.create_index('ix_engagement_corrections_message_id', 'engagement_corrections', ['message_id'])


def downgrade():
    op.drop_index('ix_engagement_corrections_message_id', table_name='engagement_corrections')
    op.drop_index('ix_engagement_corrections_ticket_id', table_name='engagement_corrections')
    op.drop_table('engagement_corrections')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index('ix_tickets_engagement')
        batch.drop_column('engagement_by_agent')
        batch.drop_column('engagement')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('engagement_score')
        batch.drop_column('engagement')
