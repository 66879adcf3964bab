"""Inbox search: substring match on message text and customer handles, safe for any input.

Substring (not word) matching, because Japanese has no spaces between words: "返金" must find
"返金してください". Every term of the search must appear in the ticket: in one of its messages, in
the handle that wrote it, or in a handle of the customer on any channel.

Where: open views search the per-open-ticket documents (search_index.py); Resolved and "all"
search the messages and handles directly. On PostgreSQL both are served by trigram GIN indexes,
and the open documents also by a bigram index for 2-character terms (migration d5f0a2b8c6e1);
SQLite, the small single-machine default, scans.

How: the database cannot estimate how common a substring is, so each search decides per term. A
term is first looked up in the index, taking at most a cap of hits; if it has no more, the view
then reads just those tickets. A commoner term (or one no index serves, like a single character)
is checked ticket by ticket while walking the view in its order, which finds a page of matches
after a short walk precisely because the term is common. The rarest looked-up term narrows; the
other terms are checked on the tickets it leaves.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    any_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
)

from ...extensions import db
from ...translatable import N_
from ..models import ContactIdentity, Message, Ticket
from .search_index import OpenTicketSearch

MAX_QUERY_CHARS = 200
# Hits a lookup takes before calling the term common (see the module docstring).
DOCUMENT_CAP = 2000  # open-ticket documents: one per ticket, small rows
CANDIDATE_CAP = 6000  # messages: one row per message, wide rows
CONTACT_CAP = 500
# Indexes that exist only on PostgreSQL with pg_trgm, so they are not declared on the models;
# the models-vs-migrations check (and autogenerate) skips them by name.
DIALECT_ONLY_INDEXES = frozenset({"ix_messages_text_trgm", "ix_messages_author_handle_trgm", "ix_contact_identities_handle_trgm",
                                  "ix_open_ticket_search_trgm", "ix_open_ticket_search_bigram"})
_ESCAPE = "\\"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class SearchError(ValueError):
    pass


def normalise_query(raw: str | None) -> str:
    """The text to look for, taken literally: control characters become spaces (PostgreSQL rejects
    NUL outright) and runs of space collapse; nothing else is rewritten."""
    if not raw:
        return ""
    if len(raw) > MAX_QUERY_CHARS * 4:  # before any work on it
        raise SearchError(N_("Search text is limited to %(limit)s characters.", limit=MAX_QUERY_CHARS))
    text_ = " ".join(_CONTROL.sub(" ", raw).split())
    if len(text_) > MAX_QUERY_CHARS:
        raise SearchError(N_("Search text is limited to %(limit)s characters.", limit=MAX_QUERY_CHARS))
    return text_


def like_pattern(term: str) -> str:
    """`%term%` with the LIKE wildcards in the term matched literally (escape character: backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_conditions(terms: list[str], open_view: bool) -> list[ColumnElement[bool]]:
    """Conditions on tickets for "every term appears in the ticket" (see the module docstring)."""
    if open_view and len(terms) > 1:
        together = _open_terms_together(terms)
        if together is not None:
            return together
    looked_up: list[tuple[set[int], ColumnElement[bool]]] = []
    walked: list[ColumnElement[bool]] = []
    for term in terms:
        found, check = _open_term(term) if open_view else _history_term(term)
        if found is None:
            walked.append(check)
        else:
            looked_up.append((found, check))
    if not looked_up:
        return walked
    looked_up.sort(key=lambda entry: len(entry[0]))
    narrowest = looked_up[0][0]
    return [one_of(sorted(narrowest)) if narrowest else false(), *(check for _, check in looked_up[1:]), *walked]


def one_of(ids: list[int]) -> ColumnElement[bool]:
    """`tickets.id` among thousands of ids: one array parameter on PostgreSQL (binding thousands of
    separate parameters costs more than the query), an IN list elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return Ticket.id == any_(bindparam("search_ids", ids, type_=ARRAY(Integer)))
    return Ticket.id.in_(ids)


def _open_term(term: str) -> tuple[set[int] | None, ColumnElement[bool]]:
    """(tickets with the term if the lookup found all of them, else None; the per-ticket check)."""
    pattern = like_pattern(term)
    matches = OpenTicketSearch.document.ilike(pattern, escape=_ESCAPE)
    check = exists(select(literal(1)).where(OpenTicketSearch.ticket_id == Ticket.id, matches).offset(0))
    lookup = _document_lookup(term, matches)
    if lookup is None:
        return None, check
    hits = list(db.session.scalars(select(OpenTicketSearch.ticket_id).where(*lookup).limit(DOCUMENT_CAP + 1)))
    return (set(hits) if len(hits) <= DOCUMENT_CAP else None), check


def _open_terms_together(terms: list[str]) -> list[ColumnElement[bool]] | None:
    """Several words in an open view: one document holds them all, so the index looks them up together
    ("still waiting": two common words, a rare pair). With at most a cap of hits, the view reads just
    those; with more, each word is common and is checked while walking the view, with no lookup of its own."""
    served: list[ColumnElement[bool]] = []
    checks: list[ColumnElement[bool]] = []
    walked: list[ColumnElement[bool]] = []
    for term in terms:
        matches = OpenTicketSearch.document.ilike(like_pattern(term), escape=_ESCAPE)
        check = exists(select(literal(1)).where(OpenTicketSearch.ticket_id == Ticket.id, matches).offset(0))
        lookup = _document_lookup(term, matches)
        if lookup is None:
            walked.append(check)
        else:
            served += lookup
            checks.append(check)
    if len(checks) < 2:
        return None
    hits = list(db.session.scalars(select(OpenTicketSearch.ticket_id).where(*served).limit(DOCUMENT_CAP + 1)))
    if len(hits) > DOCUMENT_CAP:
        return [*checks, *walked]
    return [one_of(sorted(hits)) if hits else false(), *walked]


def _document_lookup(term: str, matches: ColumnElement[bool]) -> list[ColumnElement[bool]] | None:
    """The conditions an index can serve for this term, or None when only a walk can find it."""
    if db.engine.dialect.name != "postgresql":
        return [matches]  # SQLite scans either way; the bounded lookup is the cheaper scan
    indexes = _indexes()
    if len(term) >= 3 and "ix_open_ticket_search_trgm" in indexes:
        return [matches]
    if len(term) == 2 and "ix_open_ticket_search_bigram" in indexes:
        # the expression of the bigram index, so the planner can use it; then the exact match
        return [func.inbox_bigrams(OpenTicketSearch.document).op("@>")(func.inbox_bigrams(term)), matches]
    return None


def _history_term(term: str) -> tuple[set[int] | None, ColumnElement[bool]]:
    """The same for views over every ticket (Resolved, all): messages and handles themselves."""
    pattern = like_pattern(term)
    in_messages = or_(Message.text.ilike(pattern, escape=_ESCAPE), Message.author_handle.ilike(pattern, escape=_ESCAPE))
    in_handles = ContactIdentity.handle.ilike(pattern, escape=_ESCAPE)
    # OFFSET 0 keeps PostgreSQL from turning the per-ticket check into a scan of every matching message
    message_check = exists(select(literal(1)).where(Message.ticket_id == Ticket.id, in_messages).offset(0))
    handle_check = exists(select(literal(1)).where(ContactIdentity.contact_id == Ticket.contact_id, in_handles).offset(0))
    if db.engine.dialect.name == "postgresql" and (len(term) < 3 or "ix_messages_text_trgm" not in _indexes()):
        return None, or_(message_check, handle_check)
    contacts = list(db.session.scalars(select(ContactIdentity.contact_id).where(in_handles).distinct().limit(CONTACT_CAP + 1)))
    if len(contacts) > CONTACT_CAP:
        return None, or_(message_check, handle_check)
    contact_check = Ticket.contact_id.in_(contacts) if contacts else false()
    hits = list(db.session.scalars(select(Message.ticket_id).where(in_messages, Message.ticket_id.is_not(None)).limit(CANDIDATE_CAP + 1)))
    if len(hits) > CANDIDATE_CAP:  # counting messages: distinct tickets could hide the cut-off
        return None, or_(message_check, contact_check)
    found = set(hits)
    if contacts:
        found.update(db.session.scalars(select(Ticket.id).where(Ticket.contact_id.in_(contacts))))
    return found, or_(message_check, contact_check)


_INDEXES: dict[str, frozenset[str]] = {}


def _indexes() -> frozenset[str]:
    """Which of the PostgreSQL-only search indexes this database has (once per process and database)."""
    key = str(db.engine.url)
    if key not in _INDEXES:
        names = db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE :p"), {"p": "%\\_trgm"}).all()
        names += db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname = 'ix_open_ticket_search_bigram'")).all()
        _INDEXES[key] = frozenset(names)
    return _INDEXES[key]


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: leave the PostgreSQL-only search indexes out of model/database comparisons."""
    return not (type_ == "index" and name in DIALECT_ONLY_INDEXES)
