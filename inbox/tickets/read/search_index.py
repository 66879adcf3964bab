"""One search document per open ticket, kept in step with the tickets and their messages.

Why it exists: searching an open view means "tickets that are open AND contain the term". Message
rows know nothing of their ticket's status, so on messages alone a word found in 3 500 messages
costs 3 500 heap reads to learn that 350 of those tickets are open (or a walk through the open
list checking each ticket's messages). A document per *open* ticket (its messages' text, the
handles that wrote them and the customer's handles on every channel) makes that intersection the
index lookup itself, on a table a tenth the size of the ticket history; on PostgreSQL it carries a
trigram index (terms of 3+ characters) and a bigram index (2-character terms, i.e. most Japanese
words, which trigrams cannot serve).

The documents are rebuilt, not patched: after each flush that adds a message, opens, closes or
reassigns a ticket to a contact, or changes a customer's handle (`tickets_flushed`, sent by
tickets.hooks), the affected tickets' documents are recomputed from their rows, in the same transaction. Resolved tickets have none. A document
holds at most DOCUMENT_MAX_CHARS of a ticket's text (its earliest messages first), so the cost of
keeping it — and of its indexes — is bounded however long the messages are.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import ForeignKey, Text, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from ..hooks import Flushed
from ..models import OPEN_STATUSES, ContactIdentity, Message, Ticket

_CHUNK = 500
# a 50 000-character message fits whole; a ticket of several such messages is searched in its first 200 000
DOCUMENT_MAX_CHARS = 200_000


class OpenTicketSearch(db.Model):
    __tablename__ = "open_ticket_search"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[str] = mapped_column(Text)


def refresh_documents(connection: Connection, ticket_ids: Iterable[int] = (), contact_ids: Iterable[int] = ()) -> None:
    """Recompute the documents of these tickets (and of every open ticket of these contacts)."""
    ids = set(ticket_ids)
    contacts = sorted(set(contact_ids))
    for start in range(0, len(contacts), _CHUNK):
        ids.update(connection.scalars(select(Ticket.id).where(
            Ticket.contact_id.in_(contacts[start:start + _CHUNK]), Ticket.status.in_(OPEN_STATUSES))))
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        _refresh_chunk(connection, ordered[start:start + _CHUNK])


def _refresh_chunk(connection: Connection, ids: list[int]) -> None:
    connection.execute(delete(OpenTicketSearch).where(OpenTicketSearch.ticket_id.in_(ids)))
    open_tickets = dict(connection.execute(select(Ticket.id, Ticket.contact_id).where(
        Ticket.id.in_(ids), Ticket.status.in_(OPEN_STATUSES))).all())
    if not open_tickets:
        return
    parts: dict[int, list[str]] = {ticket_id: [] for ticket_id in open_tickets}
    room: dict[int, int] = {ticket_id: DOCUMENT_MAX_CHARS for ticket_id in open_tickets}
    for ticket_id, text, handle in connection.execute(
            select(Message.ticket_id, func.substr(Message.text, 1, DOCUMENT_MAX_CHARS), Message.author_handle)
            .where(Message.ticket_id.in_(list(open_tickets))).order_by(Message.ticket_id, Message.id)):
        if room[ticket_id] <= 0:
            continue
        text = text[:room[ticket_id]]
        room[ticket_id] -= len(text) + len(handle) + 2
        parts[ticket_id] += (text, handle)
    handles: dict[int, list[str]] = {}
    for contact_id, handle in connection.execute(select(ContactIdentity.contact_id, ContactIdentity.handle).where(
            ContactIdentity.contact_id.in_(set(open_tickets.values())))):
        handles.setdefault(contact_id, []).append(handle)
    connection.execute(insert(OpenTicketSearch), [
        # one line per piece: a search term never contains a line break, so it never matches across two pieces
        {"ticket_id": ticket_id, "document": "\n".join(parts[ticket_id] + handles.get(contact_id, []))}
        for ticket_id, contact_id in open_tickets.items()
    ])


def rebuild_all(connection: Connection) -> int:
    """Every open ticket's document from scratch (after a bulk import that bypassed the application)."""
    connection.execute(delete(OpenTicketSearch))
    ids = list(connection.scalars(select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES))))
    refresh_documents(connection, ids)
    return len(ids)


def refresh_flushed(_sender: Any, event: Flushed) -> None:
    """Receiver of `tickets_flushed` (connected by tickets.read.install), inside the flushing transaction."""
    refresh_documents(event.session.connection(), event.tickets, event.contacts)
