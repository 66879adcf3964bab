"""set-aside seen mark: an account's "N item(s) set aside" note stays until the pipeline page is opened

Revision ID: c6d2e9a4f1b7
Revises: b8e3d5a1c7f4
Create Date: 2026-12-08 00:30:00.000000

channel_accounts.set_aside_seen_id is the newest rejected_messages.id of that account that an admin
has had in front of them on the pipeline page; the account's note counts what was set aside after it.
Existing accounts start with everything already set aside counted as seen.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c6d2e9a4f1b7'
down_revision = 'b8e3d5a1c7f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('channel_accounts') as batch:
        batch.add_column(sa.Column('set_aside_seen_id', sa.Integer(), nullable=True))
    op.execute("UPDATE channel_accounts SET set_aside_seen_id = (SELECT max(r.id) FROM rejected_messages r "
               "WHERE r.account_id = channel_accounts.id)")


def downgrade():
    with op.batch_alter_table('channel_accounts') as batch:
        batch.drop_column('set_aside_seen_id')
