"""accounts and alerts: forced password change, which browser alerts each user wants; calendar versions

Revision ID: a4e2c7b9d1f6
Revises: b4e7a1c9d3f2
Create Date: 2026-11-30 19:40:00.000000

users.must_change_password is set for a password someone else chose or the system generated (the
first admin, a one-time password from an admin); the user is sent to the account page until they
pick their own. users.alert_assigned / alert_at_risk / alert_breached say which live events become
a browser notification for that user (the in-app list keeps every one).
business_calendars.retired_at marks a calendar version replaced by an edit: tickets opened under the
policies that named it keep their business-hour figures (sla.policy_changes.change_calendar).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4e2c7b9d1f6'
down_revision = 'b4e7a1c9d3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('alert_assigned', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('alert_at_risk', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('alert_breached', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('business_calendars') as batch:
        batch.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('business_calendars') as batch:
        batch.drop_column('retired_at')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('alert_breached')
        batch.drop_column('alert_at_risk')
        batch.drop_column('alert_assigned')
        batch.drop_column('must_change_password')
