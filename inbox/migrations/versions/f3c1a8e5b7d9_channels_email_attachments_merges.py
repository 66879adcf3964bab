"""channels: email attachments in the database, contact merges

Revision ID: f3c1a8e5b7d9
Revises: e7b3c9d1a4f2
Create Date: 2026-12-01 09:00:00.000000

- message_attachments: files that came with a message (email), in the database so any web host
  can serve them; deleted with their message.
- contact_merges: what moved when an agent merged two contacts, so the merge is audited and can
  be undone.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'f3c1a8e5b7d9'
down_revision = 'e8c4b1d7a2f9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=127), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_message_attachments_message_id', 'message_attachments', ['message_id'])
    op.create_table('contact_merges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('source_name', sa.String(length=512), nullable=False),
        sa.Column('identity_ids', sa.JSON(), nullable=False),
        sa.Column('ticket_ids', sa.JSON(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['contacts.id']),
        sa.ForeignKeyConstraint(['target_id'], ['contacts.id']),
        sa.ForeignKeyConstraint(['merged_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['undone_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contact_merges_source_id', 'contact_merges', ['source_id'])
    op.create_index('ix_contact_merges_target_id', 'contact_merges', ['target_id'])


def downgrade():
    op.drop_index('ix_contact_merges_target_id', table_name='contact_merges')
    op.drop_index('ix_contact_merges_source_id', table_name='contact_merges')
    op.drop_table('contact_merges')
    op.drop_index('ix_message_attachments_message_id', table_name='message_attachments')
    op.drop_table('message_attachments')
