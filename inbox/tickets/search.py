"""Inbox search: substring match on message text and customer handles, safe for any input.

Substring (not word) matching, because Japanese has no spaces between words: "返金" must find
"返金してください". On PostgreSQL the ILIKE is served by pg_trgm GIN indexes (migration
d5f0a2b8c6e1); on SQLite, the small single-machine default, it scans.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, literal, or_, select, text

from ..extensions import db
from .models import ContactIdentity, Message, Ticket

MAX_QUERY_CHARS = 200
# A term found in at most this many messages is looked up first; a more common one is checked while
# walking the list (where a page of matches comes quickly). See search_conditions.
CANDIDATE_CAP = 3000
CONTACT_CAP = 500
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


def _message_match(pattern: str) -> ColumnElement[bool]:
    return or_(Message.text.ilike(pattern, escape="\\"), Message.author_handle.ilike(pattern, escape="\\"))


def _indexed(term: str) -> bool:
    """Whether looking the term up is cheaper than walking the list: a trigram index needs three characters."""
    if db.engine.dialect.name != "postgresql":
        return True  # SQLite (the small single-machine default) scans either way; the bounded lookup is the cheaper scan
    return len(term) >= 3 and _has_trigram_index()


def _has_trigram_index() -> bool:
    key = str(db.engine.url)
    if key not in _TRIGRAM:
        _TRIGRAM[key] = db.session.scalar(select(func.count()).select_from(text("pg_indexes")).where(
            text("indexname = 'ix_messages_text_trgm'"))) == 1
    return _TRIGRAM[key]


_TRIGRAM: dict[str, bool] = {}


def search_conditions(terms: list[str]) -> list[ColumnElement[bool]]:
    """Conditions on tickets for "every term appears in one of the ticket's messages, in the handle that
    wrote it, or in a handle of the customer on any channel".

    Two ways to run a term, chosen per search because the database cannot estimate how common a
    substring is: a rare term is looked up in the trigram indexes first (at most CANDIDATE_CAP
    messages) and the view then reads just those tickets; a common term (or one too short to index)
    is checked ticket by ticket while walking the view in order, which finds a page of matches
    after a short walk precisely because the term is common. The rarest looked-up term narrows,
    the other terms are checked on the tickets it leaves."""
    looked_up: list[tuple[set[int], str, list[int]]] = []
    walked: list[ColumnElement[bool]] = []
    for term in terms:
        pattern = like_pattern(term)
        if not _indexed(term):
            walked.append(_row_check(pattern, None))
            continue
        contacts = list(db.session.scalars(
            select(ContactIdentity.contact_id).where(ContactIdentity.handle.ilike(pattern, escape="\\")).distinct().limit(CONTACT_CAP + 1)))
        few_contacts = len(contacts) <= CONTACT_CAP
        if few_contacts:
            hits = list(db.session.scalars(
                select(Message.ticket_id).where(_message_match(pattern), Message.ticket_id.is_not(None)).limit(CANDIDATE_CAP + 1)))
            if len(hits) <= CANDIDATE_CAP:  # all of them (counting messages: distinct tickets could hide a cut-off)
                found = set(hits)
                if contacts:
                    found.update(db.session.scalars(select(Ticket.id).where(Ticket.contact_id.in_(contacts))))
                looked_up.append((found, pattern, contacts))
                continue
        walked.append(_row_check(pattern, contacts if few_contacts else None))
    if not looked_up:
        return walked
    looked_up.sort(key=lambda entry: len(entry[0]))
    narrowest = looked_up[0][0]
    return [Ticket.id.in_(sorted(narrowest)) if narrowest else false(),
            *(_row_check(pattern, contacts) for _, pattern, contacts in looked_up[1:]), *walked]


def _row_check(pattern: str, contacts: list[int] | None) -> ColumnElement[bool]:
    """The term checked on one ticket: its messages by ticket id (OFFSET 0 keeps the database from
    turning this into a scan of every matching message), then its customer's handles."""
    in_messages = exists(select(literal(1)).where(Message.ticket_id == Ticket.id, _message_match(pattern)).offset(0))
    if contacts is None:
        in_handles = exists(select(literal(1)).where(
            ContactIdentity.contact_id == Ticket.contact_id, ContactIdentity.handle.ilike(pattern, escape="\\")).offset(0))
    else:
        in_handles = Ticket.contact_id.in_(contacts) if contacts else false()
    return or_(in_messages, in_handles)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: leave the PostgreSQL-only trigram indexes out of model/database comparisons."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)
