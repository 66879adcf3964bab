"""LINE: what a network tells about a customer beyond their name (profile picture, language, whether
they follow or blocked the account), on their identity

Revision ID: c7d2e9f4a1b3
Revises: c7d2e9a4b1f8
Create Date: 2026-12-08 00:50:00.000000

contact_identities.details is a small JSON object written by the pushed channels' worker
(inbox.channels.pushed): {"picture_url", "language", "follow", "follow_changed_at", "notes": [...]}.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d2e9f4a1b3'
down_revision = 'c7d2e9a4b1f8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_identities') as batch:
        batch.add_column(sa.Column('details', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('contact_identities') as batch:
        batch.drop_column('details')
