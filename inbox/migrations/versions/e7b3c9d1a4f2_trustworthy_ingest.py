"""trustworthy ingest: one open ticket per conversation, set-aside input, linear search bigrams

Revision ID: e7b3c9d1a4f2
Revises: d5f0a2b8c6e1
Create Date: 2026-11-30 16:00:00.000000

- rejected_messages keeps what could not be stored, with the reason (admins see it).
- uq_tickets_open_conversation: at most one open ticket per account and conversation. Racing
  workers could open two before; such pairs are merged first: the later ticket's messages and
  notes move to the earliest, its tags are added there, and it is closed with a "merged" event.
- inbox_bigrams (PostgreSQL) walked the text with substr(lower(t), i, 2): quadratic in the text's
  length (a 50 000-character message cost 19-25 s per change). It now splits the text once.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b3c9d1a4f2'
down_revision = 'd5f0a2b8c6e1'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'open', 'pending')"
LINEAR_BIGRAMS = """
CREATE OR REPLACE FUNCTION inbox_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT pair), '{}') FROM (
    SELECT c || lead(c) OVER (ORDER BY n) AS pair FROM string_to_table(lower(t), NULL) WITH ORDINALITY AS s(c, n)
  ) AS pairs WHERE pair IS NOT NULL
$$"""
QUADRATIC_BIGRAMS = """
CREATE OR REPLACE FUNCTION inbox_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i
$$"""


def upgrade():
    op.create_table('rejected_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=512), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['channel_accounts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rejected_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_messages_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejected_messages_created_at'), ['created_at'], unique=False)

    _merge_duplicate_open_tickets()
    op.create_index('uq_tickets_open_conversation', 'tickets', ['account_id', 'conversation_key'], unique=True,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))

    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP INDEX IF EXISTS ix_open_ticket_search_bigram')
        op.execute(LINEAR_BIGRAMS)
        op.execute('CREATE INDEX IF NOT EXISTS ix_open_ticket_search_bigram ON open_ticket_search USING gin (inbox_bigrams(document))')


def _merge_duplicate_open_tickets():
    bind = op.get_bind()
    groups = bind.execute(sa.text(
        f"SELECT account_id, conversation_key FROM tickets WHERE {OPEN} "
        "GROUP BY account_id, conversation_key HAVING count(*) > 1")).all()
    now = datetime.now(timezone.utc)
    for account_id, conversation in groups:
        ids = [row[0] for row in bind.execute(sa.text(
            f"SELECT id FROM tickets WHERE account_id = :a AND conversation_key = :c AND {OPEN} ORDER BY id"),
            {"a": account_id, "c": conversation})]
        keep, duplicates = ids[0], ids[1:]
        for duplicate in duplicates:
            params = {"keep": keep, "dup": duplicate, "now": now}
            bind.execute(sa.text("UPDATE messages SET ticket_id = :keep WHERE ticket_id = :dup"), params)
            bind.execute(sa.text("UPDATE ticket_notes SET ticket_id = :keep WHERE ticket_id = :dup"), params)
            bind.execute(sa.text(
                "INSERT INTO ticket_tags (ticket_id, tag_id) SELECT :keep, tag_id FROM ticket_tags d WHERE d.ticket_id = :dup "
                "AND NOT EXISTS (SELECT 1 FROM ticket_tags k WHERE k.ticket_id = :keep AND k.tag_id = d.tag_id)"), params)
            bind.execute(sa.text("DELETE FROM open_ticket_search WHERE ticket_id = :dup"), params)
            bind.execute(sa.text(
                "UPDATE tickets SET status = 'closed', resolved_at = :now, due_at = NULL, sla_warn_at = NULL, "
                "message_count = 0 WHERE id = :dup"), params)
            bind.execute(sa.text(
                "INSERT INTO ticket_events (ticket_id, type, at, data) VALUES (:dup, 'merged', :now, :data)"),
                {**params, "data": f'{{"into": {keep}, "by": "migration e7b3c9d1a4f2"}}'})
        bind.execute(sa.text(
            "UPDATE tickets SET message_count = (SELECT count(*) FROM messages WHERE ticket_id = :keep) WHERE id = :keep"),
            {"keep": keep})
        bind.execute(sa.text("DELETE FROM open_ticket_search WHERE ticket_id = :keep"), {"keep": keep})
        bind.execute(sa.text(
            "INSERT INTO open_ticket_search (ticket_id, document) SELECT :keep, coalesce((SELECT "
            + ("string_agg(m.text || chr(10) || m.author_handle, chr(10) ORDER BY m.id)" if bind.dialect.name == "postgresql"
               else "group_concat(m.text || char(10) || m.author_handle, char(10))")
            + " FROM messages m WHERE m.ticket_id = :keep), '')"), {"keep": keep})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP INDEX IF EXISTS ix_open_ticket_search_bigram')
        op.execute(QUADRATIC_BIGRAMS)
        op.execute('CREATE INDEX IF NOT EXISTS ix_open_ticket_search_bigram ON open_ticket_search USING gin (inbox_bigrams(document))')
    op.drop_index('uq_tickets_open_conversation', table_name='tickets', postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    with op.batch_alter_table('rejected_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejected_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_rejected_messages_account_id'))
    op.drop_table('rejected_messages')
