"""Inbox search: substring match on message text and customer handles, safe for any input.

Substring (not word) matching, because Japanese has no spaces between words: "返金" must find
"返金してください". On PostgreSQL the ILIKE is served by pg_trgm GIN indexes (migration
d5f0a2b8c6e1); on SQLite, the small single-machine default, it scans.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, or_, select, union_all

from .models import ContactIdentity, Message, Ticket

MAX_QUERY_CHARS = 200
# Indexes that exist only on PostgreSQL with pg_trgm, so they are not declared on the models;
# the models-vs-migrations check (and autogenerate) skips them by name.
DIALECT_ONLY_INDEXES = frozenset({"ix_messages_text_trgm", "ix_messages_author_handle_trgm", "ix_contact_identities_handle_trgm"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class SearchError(ValueError):
    pass


def normalise_query(raw: str | None) -> str:
    """The text to look for, taken literally: control characters become spaces (PostgreSQL rejects
    NUL outright) and runs of space collapse; nothing else is rewritten."""
    if not raw:
        return ""
    if len(raw) > MAX_QUERY_CHARS * 4:  # before any work on it
        raise SearchError(f"Search text is limited to {MAX_QUERY_CHARS} characters.")
    text = " ".join(_CONTROL.sub(" ", raw).split())
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"Search text is limited to {MAX_QUERY_CHARS} characters.")
    return text


def like_pattern(text: str) -> str:
    """`%text%` with the LIKE wildcards in the text matched literally (escape character: backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(text: str) -> ColumnElement[bool]:
    """Tickets with a message containing `text` (or written by a handle containing it), or whose
    customer has an identity on any channel with such a handle."""
    pattern = like_pattern(text)
    by_message = select(Message.ticket_id).where(
        or_(Message.text.ilike(pattern, escape="\\"), Message.author_handle.ilike(pattern, escape="\\"))
    )
    by_contact = select(Ticket.id).where(
        Ticket.contact_id.in_(select(ContactIdentity.contact_id).where(ContactIdentity.handle.ilike(pattern, escape="\\")))
    )
    return Ticket.id.in_(union_all(by_message, by_contact))


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: leave the PostgreSQL-only trigram indexes out of model/database comparisons."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)
