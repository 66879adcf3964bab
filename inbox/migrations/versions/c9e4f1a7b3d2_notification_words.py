"""notifications said in the reader's language: the key's parameters are stored, not only English text

Revision ID: c9e4f1a7b3d2
Revises: a4e2c7b9d1f6
Create Date: 2026-12-08 00:55:00.000000

notifications.kind is the message key (assigned, sla_at_risk, sla_breach); its parameters are the ticket
id (already a column), the SLA target (new: target) and who assigned it (new: actor_id, a plain id like
ticket_id). `text` keeps the English sentence for rows written before and for logs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9e4f1a7b3d2'
down_revision = 'a4e2c7b9d1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('target', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('actor_id')
        batch.drop_column('target')
