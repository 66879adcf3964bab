"""inbox list and search: one ordered index per view, a search document per open ticket, trigram/bigram indexes

Revision ID: d5f0a2b8c6e1
Revises: c3a9e1f0d2b4
Create Date: 2026-11-24 18:00:00.000000

Each inbox view reads its first page, and every later page (keyset), as one short range scan of an
index already in the view's order, so a page costs the same at a million tickets as at a hundred;
the indexes carry the filtered columns (PostgreSQL INCLUDE) so filters are checked index-only.
open_ticket_search holds one search document per open ticket (see inbox.tickets.search_index).
On PostgreSQL, search uses pg_trgm GIN indexes (substring match, so Japanese without word spaces
works) and a GIN index of character bigrams for 2-character terms; they are made only where the
extension can be created and are not declared on the models (inbox.tickets.search.DIALECT_ONLY_INDEXES).
SQLite searches with LIKE.
"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5f0a2b8c6e1'
down_revision = 'c3a9e1f0d2b4'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

OPEN = "status IN ('new', 'open', 'pending')"
CLOSED = "status IN ('resolved', 'closed')"
# the columns the list filters on, carried in the index so a filtered page is an index-only scan
INCLUDE = ["status", "channel", "priority", "last_sentiment", "assignee_id", "sla_state", "contact_id", "opened_at"]
TRIGRAM_INDEXES = (
    ("ix_messages_text_trgm", "messages", "text"),
    ("ix_messages_author_handle_trgm", "messages", "author_handle"),
    ("ix_contact_identities_handle_trgm", "contact_identities", "handle"),
    ("ix_open_ticket_search_trgm", "open_ticket_search", "document"),
)
# Every distinct 2-character substring of the lowercased text: what a 2-character term must be one of.
BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION inbox_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i
$$"""
BACKFILL = {
    "postgresql": """
        INSERT INTO open_ticket_search (ticket_id, document)
        SELECT t.id, concat_ws(chr(10),
                 (SELECT string_agg(m.text || chr(10) || m.author_handle, chr(10) ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id),
                 (SELECT string_agg(ci.handle, chr(10)) FROM contact_identities ci WHERE ci.contact_id = t.contact_id))
        FROM tickets t WHERE t.""" + OPEN,
    "sqlite": """
        INSERT INTO open_ticket_search (ticket_id, document)
        SELECT t.id, coalesce((SELECT group_concat(m.text || char(10) || m.author_handle, char(10)) FROM messages m WHERE m.ticket_id = t.id), '')
                     || char(10) || coalesce((SELECT group_concat(ci.handle, char(10)) FROM contact_identities ci WHERE ci.contact_id = t.contact_id), '')
        FROM tickets t WHERE t.""" + OPEN,
}


def _where(clause):
    return {"postgresql_where": sa.text(clause), "sqlite_where": sa.text(clause), "postgresql_include": INCLUDE}


def upgrade():
    op.create_index('ix_tickets_open_due', 'tickets', ['due_at', 'id'], unique=False, **_where(OPEN))
    op.create_index('ix_tickets_open_assignee_due', 'tickets', ['assignee_id', 'due_at', 'id'], unique=False, **_where(OPEN))
    # "assignee_id IS NULL" is no equality to the planner: the unassigned view needs its own order
    op.create_index('ix_tickets_unassigned_due', 'tickets', ['due_at', 'id'], unique=False, **_where(OPEN + " AND assignee_id IS NULL"))
    op.create_index('ix_tickets_open_state_due', 'tickets', ['sla_state', 'due_at', 'id'], unique=False, **_where(OPEN))
    op.create_index('ix_tickets_closed_resolved', 'tickets', ['resolved_at', 'id'], unique=False, **_where(CLOSED))
    op.create_index('ix_tickets_opened', 'tickets', ['opened_at'], unique=False)
    op.create_table('open_ticket_search',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    bind = op.get_bind()
    if bind.dialect.name in BACKFILL:
        op.execute(BACKFILL[bind.dialect.name])
    if bind.dialect.name == "postgresql" and _trigram_available():
        for name, table, column in TRIGRAM_INDEXES:
            op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)')
    if bind.dialect.name == "postgresql":
        op.execute(BIGRAMS_FUNCTION)
        op.execute('CREATE INDEX IF NOT EXISTS ix_open_ticket_search_bigram ON open_ticket_search USING gin (inbox_bigrams(document))')


def _trigram_available() -> bool:
    """pg_trgm is a trusted extension (PG 13+): the database owner may create it. Without it search still
    works (ILIKE), only slower; the migration must not fail for that."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first():
        log.warning("pg_trgm is not installed on this server; inbox search will scan instead of using an index")
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        return True
    except sa.exc.DBAPIError as exc:
        log.warning("could not create pg_trgm (%s); inbox search will scan instead of using an index", exc.orig)
        return False


def downgrade():
    op.drop_table('open_ticket_search')
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP FUNCTION IF EXISTS inbox_bigrams(text)')
        for name, _table, _column in TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_tickets_opened', table_name='tickets')
    op.drop_index('ix_tickets_closed_resolved', table_name='tickets')
    op.drop_index('ix_tickets_open_state_due', table_name='tickets')
    op.drop_index('ix_tickets_unassigned_due', table_name='tickets')
    op.drop_index('ix_tickets_open_assignee_due', table_name='tickets')
    op.drop_index('ix_tickets_open_due', table_name='tickets')
