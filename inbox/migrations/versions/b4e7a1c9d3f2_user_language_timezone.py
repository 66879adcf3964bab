"""users: each person's language and time zone

Revision ID: b4e7a1c9d3f2
Revises: a9d4e2f7c1b3
Create Date: 2026-11-30 19:30:00.000000

- users.locale: "en" or "ja"; NULL follows the browser's Accept-Language.
- users.timezone: an IANA zone name; NULL shows times in the team's INBOX_TIMEZONE.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4e7a1c9d3f2'
down_revision = 'a9d4e2f7c1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('timezone')
        batch_op.drop_column('locale')
